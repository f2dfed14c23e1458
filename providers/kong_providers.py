"""Engine-side dynamic providers for the Kong kinds declared in `kong_kinds`.

Connection settings reach a provider only through ``configure()``, never through its pickle
in state. ``check`` and ``diff`` never touch the network.

Every object gets a client-chosen Kong id derived (uuid5) from the resource's identity in the
stack (the ``id_seed`` input, which ``diff`` ignores) and the values that force a replacement.
A create repeated after a lost response, in this process or after a killed ``pulumi up``,
therefore finds the object its first attempt wrote and takes it over; an object with another
id (made by hand or by another stack) is still refused unless ``adopt=True``.
With ``adopt``, a create reads first (`_find_adoptable`, per kind by its natural key): an
object already as the inputs say is taken over with no write, one that differs is updated in
place once, and only when none exists is one created.

Two ways of writing: core entities are upserted with PUT by id (`PutByIdProvider`); portal
entities are POSTed with the id, and a clash is resolved by finding the object
(`PostProvider`). A kind's quirks are a few overrides on one of the two.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any, ClassVar
from urllib.parse import quote

import httpx
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)

from providers.kong_admin import (
    KongAdminClient,
    KongAdminError,
    KongAdminSettings,
    KongConfigError,
    KongInfo,
)
from providers.kong_kinds import (
    APPLICATION,
    APPLICATION_INSTANCE,
    DEVELOPER,
    GUIDE_TYPO_FIELD,
    GUIDE_TYPO_MESSAGE,
    ID_SEED,
    PLUGIN,
    PRIMARY_KEY_VIOLATION,
    ROUTE,
    SERVICE,
    WORKSPACE_PORTAL,
    KindSpec,
)
from providers.kong_values import has_unknown, integral, normalise, project, ref_id, service_url

# uuid5 namespace of the client-chosen Kong ids this package derives.
ID_NAMESPACE = uuid.UUID("5b0f6a52-3c1e-4a8e-9d57-2f0c1f7a4e61")

PORTAL_REMOVED = (
    "Kong {version} has no classic Dev Portal: it was removed in Kong Gateway Enterprise 3.5 "
    "(deprecated in 3.4), and with it portal developers, applications, application instances "
    "and the application-registration plugin. Point `kong-okta-portal:kong.adminUrl` at a "
    "Kong Enterprise 3.4 (or older) node, or move application registration to Konnect Dev "
    "Portal (application auth strategies) and drop the {kind} resources"
)


def _pk_clash(response: httpx.Response) -> bool:
    """Kong's "primary key violation" (code 3): an object with our client-chosen id exists."""
    if response.status_code != 400:
        return False
    try:
        return response.json().get("code") == PRIMARY_KEY_VIOLATION
    except ValueError:
        return False


def _segments(template: str, values: Mapping[str, Any]) -> list[str]:
    """An endpoint's path segments, `{field}` ones filled from the inputs."""
    return [segment.format(**values) for segment in template.split("/")]


class KongProvider(ResourceProvider):
    """Inputs, diff, outputs and CRUD for one Kong kind, all derived from its `spec`."""

    # The pickle is a by-reference class with no settings in it (they come from configure()),
    # so it holds nothing secret: storing it plainly keeps every checkpoint ~12% smaller.
    serialize_as_secret_always = False

    spec: ClassVar[KindSpec]
    kind: ClassVar[str] = ""
    fields: ClassVar[tuple[str, ...]] = ()
    required: ClassVar[tuple[str, ...]] = ()
    replace_on: ClassVar[tuple[str, ...]] = ()
    write_only: ClassVar[frozenset[str]] = frozenset()
    references: ClassVar[Mapping[str, str]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        spec = cls.__dict__.get("spec")
        if spec is not None:
            cls.kind = spec.kind
            cls.fields = spec.names
            cls.required = spec.where("required")
            cls.replace_on = spec.where("replace")
            cls.write_only = frozenset(spec.where("write_only"))
            cls.references = spec.refs

    def __init__(self) -> None:
        self._settings: KongAdminSettings | None = None
        self._config_error: str | None = None

    # The provider is pickled into state: keep settings (URL, token) out of it.
    def __getstate__(self) -> dict[str, Any]:
        return {}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._settings = None
        self._config_error = None

    def configure(self, req: ConfigureRequest) -> None:
        try:
            self._settings = KongAdminSettings.from_sources(req.config.get)
            self._config_error = None
        except KongConfigError as exc:
            # Raised on first use: check and diff must work without connection settings.
            self._settings = None
            self._config_error = str(exc)

    def _client(self) -> KongAdminClient:
        if self._settings is None:
            if self._config_error:
                raise KongConfigError(self._config_error)
            self._settings = KongAdminSettings.from_sources(lambda _key: None)
        return KongAdminClient(self._settings)

    # -- inputs, outputs, diff ---------------------------------------------------------

    def _user(self, props: Mapping[str, Any]) -> dict[str, Any]:
        return {k: props[k] for k in self.fields if props.get(k) is not None}

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        news = {k: v if k == "__provider" else integral(v) for k, v in news.items()}
        failures = [
            CheckFailure(key, f"{self.kind}: `{key}` is required")
            for key in self.required
            if news.get(key) is None
        ]
        failures += self._check(news)
        return CheckResult(news, failures)

    def _check(self, news: dict[str, Any]) -> list[CheckFailure]:
        """The kind's own rules on its inputs (no network)."""
        return []

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        old_user, new_user = self._user(olds), self._user(news)
        changed = []
        for key in sorted(set(old_user) | set(new_user)):
            new = new_user.get(key)
            if has_unknown(new) or normalise(key, new) != normalise(key, old_user.get(key)):
                changed.append(key)
        replaces = [k for k in changed if k in self.replace_on]
        return DiffResult(
            changes=bool(changed), replaces=replaces, delete_before_replace=bool(replaces)
        )

    def _live_value(self, key: str, live: Mapping[str, Any], user_value: Any) -> Any:
        if key in self.write_only:
            return user_value
        if key in self.references:
            return ref_id(live.get(self.references[key]))
        return project(user_value, live.get(key))

    def _outs(
        self, inputs: Mapping[str, Any], live: Mapping[str, Any], adopt: bool
    ) -> dict[str, Any]:
        outs = dict(self._user(inputs))
        outs["kong_id"] = live["id"]
        for key, kong_field in self.spec.outputs.items():
            outs[key] = ref_id(live.get(kong_field))
        if adopt:
            outs["adopt"] = True
        return outs

    def _new_id(self, inputs: Mapping[str, Any]) -> str:
        """The client-chosen id of a new object: derived from the resource's identity and the
        values that force a replacement, so a replacement (even create-before-delete) gets a
        new id while a create repeated after a lost response or a killed run gets the same one.
        Without a seed (a caller outside a Pulumi program) it is random."""
        seed = inputs.get(ID_SEED)
        if not isinstance(seed, str) or not seed:
            return str(uuid.uuid4())
        replaced_by = json.dumps(
            {k: inputs.get(k) for k in self.replace_on}, sort_keys=True, default=str
        )
        return str(uuid.uuid5(ID_NAMESPACE, f"{self.kind}|{seed}|{replaced_by}"))

    def _matches(self, live: Mapping[str, Any], inputs: Mapping[str, Any]) -> bool:
        """Whether Kong's object already holds every field the user set."""
        return all(
            normalise(key, self._live_value(key, live, value)) == normalise(key, value)
            for key, value in self._user(inputs).items()
        )

    # -- paths and bodies ------------------------------------------------------------------

    def _item(self, client: KongAdminClient, props: Mapping[str, Any], *rest: str) -> str:
        """The path of the kind's collection, or of one object in it."""
        return client.path(*_segments(self.spec.endpoint, props), *rest)

    def _body(self, inputs: Mapping[str, Any], *, creating: bool = False) -> dict[str, Any]:
        body: dict[str, Any] = {}
        for spec_field in self.spec.fields:
            key = spec_field.name
            if spec_field.in_path or inputs.get(key) is None:
                continue
            if creating and not spec_field.on_create:
                continue
            value = inputs[key]
            body[spec_field.ref or key] = {"id": value} if spec_field.ref else value
        return body

    # -- CRUD ------------------------------------------------------------------------------

    def create(self, props: dict[str, Any]) -> CreateResult:
        inputs = self._user(props)
        adopt = bool(props.get("adopt"))
        with self._client() as client:
            full = {**inputs, "adopt": adopt, ID_SEED: props.get(ID_SEED)}
            live = self._adopt(client, full) if adopt else None
            if live is None:
                live = self._create(client, full)
        return CreateResult(live["id"], self._outs(inputs, live, adopt))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        with self._client() as client:
            live = client.get_json(self._item(client, props, id_), allow_missing=True)
        if live is None:
            return ReadResult(None, {})
        old_user = self._user(props)
        outs = self._outs(old_user, live, bool(props.get("adopt")))
        for key, value in old_user.items():
            current = self._live_value(key, live, value)
            if normalise(key, current) != normalise(key, value):
                outs[key] = current
        return ReadResult(id_, outs)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        inputs = self._user(news)
        with self._client() as client:
            live = self._update(client, id_, olds, inputs)
        return UpdateResult(self._outs(inputs, live, bool(news.get("adopt"))))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        with self._client() as client:
            client.request("DELETE", self._item(client, props, id_), allow=(404,))

    def _create(self, client: KongAdminClient, inputs: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def _update(
        self, client: KongAdminClient, id_: str, olds: Mapping[str, Any], news: dict[str, Any]
    ) -> dict[str, Any]:
        raise NotImplementedError

    # -- adoption --------------------------------------------------------------------------

    def _adopt(self, client: KongAdminClient, inputs: dict[str, Any]) -> dict[str, Any] | None:
        """Adoption reads first: an existing object already as the settings say is taken over
        with no write at all; one that differs gets exactly one write (its update). None when
        nothing exists yet (then it is created like any other)."""
        existing = self._find_adoptable(client, inputs)
        if existing is None:
            return None
        if self._matches(existing, inputs):
            return existing
        return self._adopt_update(client, existing, inputs)

    def _find_adoptable(self, client: KongAdminClient, inputs: Mapping[str, Any]) -> dict | None:
        """The existing object `adopt` takes over (found by the kind's natural key), or None.
        Raises when the object exists but cannot be adopted."""
        return None

    def _adopt_update(
        self, client: KongAdminClient, existing: Mapping[str, Any], inputs: dict[str, Any]
    ) -> dict[str, Any]:
        """Bring an adopted object to the settings in place (one write)."""
        return self._update(client, existing["id"], {}, inputs)

    # -- errors and node checks ------------------------------------------------------------

    def _exists_error(
        self, client: KongAdminClient, what: str, existing_id: Any = None
    ) -> Exception:
        ws = client.settings.workspace or "default"
        ident = f" (id {existing_id})" if existing_id else ""
        return KongAdminError(
            f"Kong {self.kind} {what} already exists in workspace '{ws}'{ident} and was not "
            "created by this stack. To manage the existing object, set adopt=True on this "
            f"{self.kind} resource and run `pulumi up` again (pulumi import does not work for "
            "dynamic resources); otherwise rename or remove the existing object",
            status=409,
        )

    def _require_portal(self, client: KongAdminClient) -> KongInfo:
        info = client.info()
        if info.at_least(3, 5):
            raise KongAdminError(PORTAL_REMOVED.format(version=info.version, kind=self.kind))
        return info

    def _portal_off_error(self, client: KongAdminClient, exc: KongAdminError) -> KongAdminError:
        ws = client.settings.workspace or "default"
        return KongAdminError(
            f"{exc}. Kong hides portal endpoints while the Dev Portal is off in workspace "
            f"'{ws}': set `portal = on` in kong.conf and enable it for the workspace with "
            f"PATCH /workspaces/{ws} config.portal=true (also set config.portal_auth)",
            status=exc.status,
            method=exc.method,
            path=exc.path,
            kong_message=exc.kong_message,
        )


class PutByIdProvider(KongProvider):
    """Core entities upserted with PUT /{collection}/{client-chosen uuid}: one write, and a
    retried PUT after a lost response lands on the same object."""

    def _kong_body(self, client: KongAdminClient, inputs: Mapping[str, Any]) -> dict[str, Any]:
        return self._body(inputs)

    def _natural_key(self, inputs: Mapping[str, Any]) -> str:
        return repr(inputs.get("name"))

    def _find_existing(self, client: KongAdminClient, inputs: Mapping[str, Any]) -> dict | None:
        return client.get_json(self._item(client, inputs, inputs["name"]), allow_missing=True)

    def _find_adoptable(self, client: KongAdminClient, inputs: Mapping[str, Any]) -> dict | None:
        return self._find_existing(client, inputs)

    def _create(self, client: KongAdminClient, inputs: dict[str, Any]) -> dict[str, Any]:
        body = self._kong_body(client, inputs)
        # PUT upserts: an object left by an earlier attempt at this create (lost response,
        # killed run) has this id and is simply written again.
        path = self._item(client, inputs, self._new_id(inputs))
        response = client.request("PUT", path, json_body=body, allow=(409,))
        if response.status_code != 409:
            return response.json()
        existing = self._find_existing(client, inputs)
        if not inputs.get("adopt"):
            raise self._exists_error(
                client, self._natural_key(inputs), existing and existing.get("id")
            ) from None
        if existing is None:
            raise KongAdminError.from_response(response)
        path = self._item(client, inputs, existing["id"])
        return client.request("PUT", path, json_body=body).json()

    def _update(
        self, client: KongAdminClient, id_: str, olds: Mapping[str, Any], news: dict[str, Any]
    ) -> dict[str, Any]:
        # PUT replaces the whole entity: fields the user dropped revert to Kong's defaults.
        body = self._kong_body(client, news)
        return client.request("PUT", self._item(client, news, id_), json_body=body).json()


class PostProvider(KongProvider):
    """Portal entities: POST with a client-chosen id, PATCH to change, on a node whose
    workspace has the Dev Portal on.

    A retried POST after a lost response meets either the primary-key clash (400, code 3:
    our own object) or a unique clash (409): then the object holding the natural key is
    found, taken over when it is ours, adopted when `adopt` is set, refused otherwise.
    """

    def _preflight(self, client: KongAdminClient) -> None:
        self._require_portal(client)

    def _natural_key(self, inputs: Mapping[str, Any]) -> str:
        """How the refusal names the object that holds the natural key."""
        raise NotImplementedError

    def _find_existing(
        self, client: KongAdminClient, inputs: Mapping[str, Any], new_id: str
    ) -> dict | None:
        """After a 409: the object that holds the natural key."""
        raise NotImplementedError

    def _is_own(self, existing: Mapping, inputs: Mapping, new_id: str, possibly_ours: bool) -> bool:
        """Whether the clashing object is this resource's own, from an earlier attempt whose
        response was lost (in this run or a killed one)."""
        return existing.get("id") == new_id or possibly_ours

    def _check_adoptable(self, existing: Mapping[str, Any], inputs: Mapping[str, Any]) -> None:
        """Raise when `adopt` cannot take this object over."""

    def _find_adoptable(self, client: KongAdminClient, inputs: Mapping[str, Any]) -> dict | None:
        existing = self._find_existing(client, inputs, self._new_id(inputs))
        if existing is not None:
            self._check_adoptable(existing, inputs)
        return existing

    def _unfound(
        self, client: KongAdminClient, inputs: Mapping, response: httpx.Response
    ) -> Exception:
        return KongAdminError.from_response(response)

    def _create_error(
        self, client: KongAdminClient, exc: KongAdminError, inputs: Mapping[str, Any]
    ) -> KongAdminError:
        if exc.status == 404:
            return self._portal_off_error(client, exc)
        return exc

    def _patch_body(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> dict[str, Any]:
        """The changed object: fields the user dropped are cleared (write-only ones kept)."""
        body = self._body(news)
        for key in self._user(olds):
            if key not in body and key not in self.write_only and key not in self.references:
                body[key] = None
        return body

    def _patch(
        self, client: KongAdminClient, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any]
    ) -> dict[str, Any]:
        path = self._item(client, news, id_)
        return client.request("PATCH", path, json_body=self._patch_body(olds, news)).json()

    def _take_over(self, client: KongAdminClient, own: dict, inputs: Mapping[str, Any]) -> dict:
        if self._matches(own, inputs):
            return own
        return self._patch(client, own["id"], {}, inputs)

    def _post(
        self, client: KongAdminClient, inputs: Mapping[str, Any], new_id: str
    ) -> httpx.Response:
        """POST with a client-chosen id; a clash (400 code 3, or 409) is the caller's."""
        template = self.spec.create_endpoint or self.spec.endpoint
        path = client.path(*_segments(template, inputs))
        body = {"id": new_id, **self._body(inputs, creating=True)}
        try:
            response = client.request("POST", path, json_body=body, allow=(400, 409))
        except KongAdminError as exc:
            raise self._create_error(client, exc, inputs) from None
        if response.status_code == 400 and not _pk_clash(response):
            raise self._create_error(client, KongAdminError.from_response(response), inputs)
        return response

    def _created(self, client: KongAdminClient, live: dict, inputs: Mapping[str, Any]) -> dict:
        """The new object, once what Kong ignores on create is set."""
        return live

    def _create(self, client: KongAdminClient, inputs: dict[str, Any]) -> dict[str, Any]:
        self._preflight(client)
        new_id = self._new_id(inputs)
        response = self._post(client, inputs, new_id)
        # read now: every later request (the look-ups below) resets the client's flag
        possibly_ours = client.ambiguous_retry
        if _pk_clash(response):
            own = client.request("GET", self._item(client, inputs, new_id)).json()
            return self._take_over(client, own, inputs)
        if response.status_code != 409:
            return self._created(client, response.json(), inputs)
        existing = self._find_existing(client, inputs, new_id)
        if existing is None:
            raise self._unfound(client, inputs, response)
        if self._is_own(existing, inputs, new_id, possibly_ours):
            return self._take_over(client, existing, inputs)
        if not inputs.get("adopt"):
            raise self._exists_error(client, self._natural_key(inputs), existing.get("id"))
        self._check_adoptable(existing, inputs)
        return self._patch(client, existing["id"], {}, inputs)

    def _update(
        self, client: KongAdminClient, id_: str, olds: Mapping[str, Any], news: dict[str, Any]
    ) -> dict[str, Any]:
        self._preflight(client)
        return self._patch(client, id_, olds, news)


# -- the kinds ------------------------------------------------------------------------------


class ServiceProvider(PutByIdProvider):
    spec = SERVICE

    def _check(self, news: dict[str, Any]) -> list[CheckFailure]:
        if news.get("url") is None and news.get("host") is None:
            return [CheckFailure("url", "Service: set `url` (or `host`) of the upstream API")]
        return []

    def _live_value(self, key: str, live: Mapping[str, Any], user_value: Any) -> Any:
        if key == "url":
            return service_url(live)
        return super()._live_value(key, live, user_value)


class RouteProvider(PutByIdProvider):
    spec = ROUTE


class PluginProvider(PutByIdProvider):
    spec = PLUGIN
    scopes = ("service_id", "route_id", "consumer_id")

    def _check(self, news: dict[str, Any]) -> list[CheckFailure]:
        name, config = news.get("name"), news.get("config")
        if name == "application-registration":
            return self._check_app_registration(news)
        if name == "openid-connect" and isinstance(config, Mapping):
            return self._check_openid_connect(config)
        return []

    def _check_app_registration(self, news: Mapping[str, Any]) -> list[CheckFailure]:
        failures = []
        if news.get("route_id") is not None or news.get("consumer_id") is not None:
            failures.append(
                CheckFailure(
                    "route_id", "application-registration is service-scoped: set service_id only"
                )
            )
        if news.get("service_id") is None:
            failures.append(CheckFailure("service_id", "application-registration needs service_id"))
        return failures

    def _check_openid_connect(self, config: Mapping[str, Any]) -> list[CheckFailure]:
        failures = []
        if GUIDE_TYPO_FIELD in config:
            failures.append(CheckFailure("config", GUIDE_TYPO_MESSAGE))
        claim = config.get("consumer_claim")
        if claim is not None and not has_unknown(claim) and not isinstance(claim, list):
            failures.append(
                CheckFailure(
                    "config",
                    f"openid-connect `consumer_claim` must be a list (a claim path), got "
                    f"{claim!r}; e.g. ['application_id']",
                )
            )
        return failures

    def _natural_key(self, inputs: Mapping[str, Any]) -> str:
        scope = [f"{self.references[k]} {inputs[k]}" for k in self.scopes if inputs.get(k)]
        return f"{inputs.get('name')!r} on " + (", ".join(scope) or "global scope")

    def _find_existing(self, client: KongAdminClient, inputs: Mapping[str, Any]) -> dict | None:
        scope = {self.references[k]: inputs.get(k) for k in self.scopes}
        for row in client.paginate(self._item(client, inputs)):
            if row.get("name") != inputs.get("name"):
                continue
            if all(ref_id(row.get(field)) == value for field, value in scope.items()):
                return row
        return None

    def _kong_body(self, client: KongAdminClient, inputs: Mapping[str, Any]) -> dict[str, Any]:
        body = self._body(inputs)
        for key in self.scopes:
            body.setdefault(self.references[key], None)
        name = inputs.get("name")
        if name == "application-registration":
            self._require_portal(client)
        if name == "openid-connect" and "consumer_claim" in body.get("config", {}):
            # Kong 3.14 renamed the field; the stack keeps the guide's name.
            if client.info().at_least(3, 14):
                config = dict(body["config"])
                config["consumer_claims"] = config.pop("consumer_claim")
                body["config"] = config
        return body

    def _live_value(self, key: str, live: Mapping[str, Any], user_value: Any) -> Any:
        if key == "config" and isinstance(user_value, Mapping):
            config = dict(live.get("config") or {})
            if "consumer_claim" not in config and "consumer_claims" in config:
                config["consumer_claim"] = config["consumer_claims"]
            return project(user_value, config)
        return super()._live_value(key, live, user_value)


class DeveloperProvider(PostProvider):
    spec = DEVELOPER

    def _check(self, news: dict[str, Any]) -> list[CheckFailure]:
        email, meta = news.get("email"), news.get("meta")
        failures = []
        if isinstance(email, str) and "@" not in email:
            failures.append(CheckFailure("email", f"Developer: invalid email address {email!r}"))
        if isinstance(meta, str):
            try:
                json.loads(meta)
            except ValueError:
                failures.append(
                    CheckFailure(
                        "meta",
                        'Developer: `meta` must be a JSON string such as \'{"full_name": "Ada"}\'',
                    )
                )
        return failures

    def _natural_key(self, inputs: Mapping[str, Any]) -> str:
        return repr(inputs["email"])

    def _find_existing(self, client: KongAdminClient, inputs: Mapping, new_id: str) -> dict | None:
        return client.get_json(self._item(client, inputs, inputs["email"]), allow_missing=True)

    def _unfound(
        self, client: KongAdminClient, inputs: Mapping, response: httpx.Response
    ) -> Exception:
        # 409 on a developer with no such email: a consumer holds the name (hidden ones count)
        return self._exists_error(client, self._natural_key(inputs))

    def _patch(
        self, client: KongAdminClient, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any]
    ) -> dict[str, Any]:
        answer = super()._patch(client, id_, olds, news)
        return answer.get("developer", answer)


class ApplicationProvider(PostProvider):
    spec = APPLICATION

    def _preflight(self, client: KongAdminClient) -> None:
        info = self._require_portal(client)
        if info.portal_app_auth is not None and info.portal_app_auth != "external-oauth2":
            raise KongAdminError(
                f"Kong's portal_app_auth is '{info.portal_app_auth}', but applications whose "
                "Reference Id (custom_id) is the Okta client_id need 'external-oauth2': set "
                "`portal_app_auth = external-oauth2` in kong.conf (or KONG_PORTAL_APP_AUTH) on "
                "every node and restart Kong"
            )

    def _natural_key(self, inputs: Mapping[str, Any]) -> str:
        return f"with custom_id {inputs['custom_id']!r}"

    def _find_existing(self, client: KongAdminClient, inputs: Mapping, new_id: str) -> dict | None:
        for row in client.paginate(self._item(client, inputs)):
            if row.get("custom_id") == inputs["custom_id"]:
                return row
        # ours from a killed run, with another custom_id (the client was registered anew)
        return client.get_json(self._item(client, inputs, new_id), allow_missing=True)

    def _is_own(self, existing: Mapping, inputs: Mapping, new_id: str, possibly_ours: bool) -> bool:
        same_developer = ref_id(existing.get("developer")) == inputs["developer_id"]
        return same_developer and super()._is_own(existing, inputs, new_id, possibly_ours)

    def _check_adoptable(self, existing: Mapping[str, Any], inputs: Mapping[str, Any]) -> None:
        owner = ref_id(existing.get("developer"))
        if owner != inputs["developer_id"]:
            raise KongAdminError(
                f"Kong Application {existing.get('id')} with custom_id {inputs['custom_id']!r} "
                f"belongs to developer {owner}, not {inputs['developer_id']}: adopt cannot move "
                "it; delete it or use its developer"
            )


class ApplicationInstanceProvider(PostProvider):
    spec = APPLICATION_INSTANCE

    def _check(self, news: dict[str, Any]) -> list[CheckFailure]:
        status = news.get("status")
        if status is None or has_unknown(status):
            return []
        if not isinstance(status, int) or isinstance(status, bool) or not 0 <= status <= 5:
            return [
                CheckFailure(
                    "status",
                    f"ApplicationInstance: `status` must be 0 (approved) … 5, got {status!r}",
                )
            ]
        return []

    def _natural_key(self, inputs: Mapping[str, Any]) -> str:
        return f"for application {inputs['application_id']} and service {inputs['service_id']}"

    def _create_error(
        self, client: KongAdminClient, exc: KongAdminError, inputs: Mapping[str, Any]
    ) -> KongAdminError:
        if exc.status == 405 and exc.code == 12:
            return KongAdminError(
                f"{exc}. Add a Plugin name='application-registration' on service "
                f"{inputs['service_id']} before its application instances (pass it in depends_on)",
                status=405,
                code=12,
            )
        return super()._create_error(client, exc, inputs)

    def _find_existing(self, client: KongAdminClient, inputs: Mapping, new_id: str) -> dict | None:
        for row in client.paginate(self._item(client, inputs)):
            if ref_id(row.get("service")) == inputs["service_id"]:
                return row
        return None

    def _patch_body(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> dict[str, Any]:
        # only the contract's state changes in place; its application and service replace it
        return {k: news[k] for k in ("status", "suspended") if news.get(k) is not None}

    def _created(self, client: KongAdminClient, live: dict, inputs: Mapping[str, Any]) -> dict:
        # Kong ignores `suspended` on create
        wanted = inputs.get("suspended")
        if wanted is not None and bool(live.get("suspended")) != wanted:
            return self._patch(client, live["id"], {}, inputs)
        return live


class WorkspacePortalProvider(KongProvider):
    """The Dev Portal of the provider's workspace: `PATCH /workspaces/{ws}` with the settings
    that differ, so a workspace that already has them makes no write."""

    spec = WORKSPACE_PORTAL
    # What Kong's own portal set-up uses when a workspace has no portal auth yet.
    default_auth = "openid-connect"

    def _item(self, client: KongAdminClient, props: Mapping[str, Any], *rest: str) -> str:
        # the workspace itself, at the Admin API's root
        return "/workspaces/" + quote(client.settings.workspace or "default", safe="")

    def _live_value(self, key: str, live: Mapping[str, Any], user_value: Any) -> Any:
        return (live.get("config") or {}).get(key)

    def _apply(self, client: KongAdminClient, inputs: Mapping[str, Any]) -> dict[str, Any]:
        self._require_portal(client)
        path = self._item(client, inputs)
        live = client.request("GET", path).json()
        config = live.get("config") or {}
        wanted = self._user(inputs)
        if not (wanted.get("portal_auth") or config.get("portal_auth")):
            wanted["portal_auth"] = self.default_auth
        change = {k: v for k, v in wanted.items() if config.get(k) != v}
        if not change:
            return live
        return client.request("PATCH", path, json_body={"config": change}).json()

    def _create(self, client: KongAdminClient, inputs: dict[str, Any]) -> dict[str, Any]:
        return self._apply(client, inputs)

    def _update(
        self, client: KongAdminClient, id_: str, olds: Mapping[str, Any], news: dict[str, Any]
    ) -> dict[str, Any]:
        return self._apply(client, news)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """Leave the portal on: turning it off would hide every developer and application of
        the workspace, also those this stack does not manage."""
