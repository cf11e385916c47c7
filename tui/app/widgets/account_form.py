"""The account form: every field of the seed form, in its order, plus our helpers.

A widget that converts to and from ``model.Account`` (``load_model`` / ``to_model``)
and shows ``validate`` issues inline. Saving, leaving and conflicts belong to the
screen (``screens/form.py``); this widget never touches the store.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, TypeVar

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.dom import DOMNode
from textual.events import DescendantBlur, DescendantFocus
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Select, Static

from tui.app.formatting import expiry_text
from tui.app.host import host_of
from tui.core.appscope import ScopeSwap, swap_to_app_only
from tui.core.errors import UsageError
from tui.core.model import Account, ParamRow, TokenState
from tui.core.tenant import (
    CLOUDS,
    TENANT_PLACEHOLDER,
    cloud_of_url,
    endpoint_urls,
    graph_base_for,
    tenant_from_url,
)
from tui.core.validate import ERROR, Issue, validate

from .fields import Field, FieldInput, SecretInput, TokenView
from .rows import ParamRowsEditor

# Field -> title as the seed form labels it (ours where the seed has none).
TITLES: dict[str, str] = {
    "label": "Label", "client_id": "Client ID", "client_type": "Client type",
    "client_auth": "Secret sent as", "client_secret": "Client secret",
    "access_token": "Access token", "refresh_token": "Refresh token",
    "access_token_expires_at": "Access token expiration", "tenant": "Tenant",
    "authorize_url": "OAuth2 Endpoint", "token_url": "OAuth2 Token",
    "redirect_uri": "Redirect URI", "token_params": "Token endpoint config",
    "auth_params": "Auth endpoint config", "flow": "Sign-in",
    "auto_refresh": "Auto-refresh token", "proxy_users": "Mail proxy users",
}
# Visual order of the fields that validation can name.
ORDER = ("label", "client_id", "client_type", "client_auth", "client_secret", "tenant",
         "authorize_url", "token_url", "redirect_uri", "token_params", "auth_params",
         "proxy_users", "flow", "auto_refresh")
# Fields edited as rows (ParamRowsEditor), whose issues name a row: token_params[2].name
ROW_FIELDS = ("token_params", "auth_params", "proxy_users")
INPUT_FIELDS = ("label", "client_id", "client_secret", "authorize_url", "token_url",
                "redirect_uri")
CLOUD_NAMES = {"global": "Global", "usgov": "US Gov", "china": "China"}
W = TypeVar("W", bound=Widget)


def base_field(field: str) -> str:
    """'token_params[2].name' -> 'token_params'."""
    return field.split("[", 1)[0]


def issue_sort_key(issue: Issue) -> tuple[int, int, int]:
    base = base_field(issue.field)
    row = int(issue.field.split("[", 1)[1].split("]", 1)[0]) if "[" in issue.field else -1
    column = 1 if issue.field.endswith(".value") else 0
    return (ORDER.index(base) if base in ORDER else len(ORDER), row, column)


def field_title(field: str) -> str:
    base = base_field(field)
    title = TITLES.get(base, base)
    if "[" in field:
        row = int(field.split("[", 1)[1].split("]", 1)[0]) + 1
        return f"{title}, row {row}"
    return title


class AccountForm(VerticalScroll, can_focus=False):
    """All fields of one account; ``to_model()`` gives the account as typed so far."""

    def __init__(self, account: Account, *, taken_labels: list[str], show_all: bool,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._base = account
        self.taken_labels = list(taken_labels)
        self.show_all = show_all
        self.touched: set[str] = set()
        self.extra_issues: list[Issue] = []  # the tenant helper's own complaints
        self._tenant_filled = ""
        self._build(account)

    # -- composition ----------------------------------------------------------------------
    def _build(self, a: Account) -> None:
        self.c: dict[str, Widget] = {
            "label": FieldInput(a.label, field_name="label", id="f-label",
                                placeholder="e.g. shared-mailbox"),
            "client_id": FieldInput(a.client_id, field_name="client_id", id="f-client_id",
                                    placeholder="00000000-0000-0000-0000-000000000000"),
            "flow": Select([("delegated: a person signs in", "delegated"),
                            ("app-only: client credentials, no person", "app")],
                           value=a.flow, allow_blank=False, compact=True, id="f-flow"),
            "client_type": Select([("confidential: signs in with a client secret",
                                    "confidential"),
                                   ("public: no secret (desktop / device code)", "public")],
                                  value=a.client_type, allow_blank=False, compact=True,
                                  id="f-client_type"),
            "client_auth": Select([("post: in the request body (usual)", "post"),
                                   ("basic: HTTP Basic header", "basic")],
                                  value=a.client_auth, allow_blank=False, compact=True,
                                  id="f-client_auth"),
            "client_secret": SecretInput(a.client_secret, field_name="client_secret",
                                         id="f-client_secret"),
            "access_token": TokenView(a.access_token, field_name="access_token",
                                      what="access token", id="f-access_token"),
            "refresh_token": TokenView(a.refresh_token, field_name="refresh_token",
                                       what="refresh token", id="f-refresh_token"),
            "access_token_expires_at": Static(id="f-expiry"),
            "tenant": FieldInput(self._tenant_of(a), field_name="tenant", id="f-tenant",
                                 placeholder="contoso.onmicrosoft.com or tenant ID"),
            "cloud": Select([(f"{CLOUD_NAMES[c]}", c) for c in CLOUDS],
                            value=cloud_of_url(a.authorize_url) or "global",
                            allow_blank=False, compact=True, id="f-cloud"),
            "authorize_url": FieldInput(a.authorize_url, field_name="authorize_url",
                                        id="f-authorize_url"),
            "token_url": FieldInput(a.token_url, field_name="token_url", id="f-token_url"),
            "redirect_uri": FieldInput(a.redirect_uri, field_name="redirect_uri",
                                       id="f-redirect_uri"),
            "token_params": ParamRowsEditor(
                a.token_params, field_name="token_params", id="f-token_params",
                title="Token endpoint config",
                hint="Extra name = value pairs sent with every token request."),
            "auth_params": ParamRowsEditor(
                a.auth_params, field_name="auth_params", id="f-auth_params",
                title="Auth endpoint config",
                hint="Extra name = value pairs added to the sign-in (authorize) URL."),
            "auto_refresh": Checkbox("Refresh before it expires, while exo-oauth runs",
                                     a.auto_refresh, id="f-auto_refresh"),
            "proxy_users": ParamRowsEditor(
                tuple(ParamRow("", u) for u in a.proxy_users), field_name="proxy_users",
                id="f-proxy_users", title="Mail proxy users", single="Address",
                hint="Addresses (or *@domain) that may log in through `exo-oauth proxy`; "
                     "the password: `exo-oauth proxy-password LABEL`."),
        }
        self._tenant_filled = self._tenant_of(a)
        self._cloud = cloud_of_url(a.authorize_url) or "global"  # Select.value: set on mount
        self._flow = a.flow
        self._scope_swap: ScopeSwap | None = None  # what the switch to app-only rewrote

    @staticmethod
    def _tenant_of(a: Account) -> str:
        tenant = tenant_from_url(a.authorize_url) or ""
        return "" if tenant == TENANT_PLACEHOLDER or not cloud_of_url(a.authorize_url) else tenant

    def _field(self, name: str, hint: str, *, required: bool = False,
               control: Widget | None = None) -> Field:
        return Field(TITLES[name], control or self.c[name], hint, field_name=name,
                     required=required, id=f"field-{name}")

    def compose(self) -> ComposeResult:
        c = self.c
        yield Static("Application", classes="section first")
        yield self._field("label", "Short name; scripts ask for tokens by it.",
                          required=True)
        yield self._field("client_id", "Application (client) ID from the app's Overview.",
                          required=True)
        yield self._field("client_type", "Public apps (device code) have no secret.")
        yield self._field("client_auth", "How the secret reaches the token endpoint.")
        yield self._field("client_secret", "Value (not ID); kept encrypted; ^r shows it.",
                          required=True)
        yield Static("Issued tokens (read-only)", classes="section")
        yield self._field("access_token", "Issued at sign-in; c copies it.")
        yield self._field("refresh_token", "Renews the access token; c copies it.")
        yield self._field("access_token_expires_at", "When the access token stops working.")
        yield Static("Endpoints", classes="section")
        yield self._field("tenant", "Tenant ID or domain; Enter fills both URLs.",
                          control=Horizontal(c["tenant"], c["cloud"],
                                             Button("Fill", id="f-fill", compact=True),
                                             classes="tenant-row"))
        yield self._field("authorize_url", "Authorize URL: where sign-in starts.",
                          required=True)
        yield self._field("token_url", "Token URL: where tokens are issued.", required=True)
        yield self._field("redirect_uri", "Must match one registered on the app.")
        yield Static("Endpoint parameters", classes="section")
        yield c["token_params"]
        yield c["auth_params"]
        yield Static("Mail proxy", classes="section")
        yield c["proxy_users"]
        yield Static("Refresh and sign-in", classes="section")
        yield self._field("flow", "App-only: needs a tenant, a secret and a /.default scope.")
        yield self._field("auto_refresh", "Needs offline_access in a scope row.")
        yield Field("Authorize", Button("Authorize…", id="f-authorize", variant="primary",
                                        compact=True),
                    "Sign in and store tokens for this account.",
                    field_name="authorize", id="field-authorize")

    def on_mount(self) -> None:
        self.refresh_expiry()
        self.refresh_issues()

    # -- data in and out ------------------------------------------------------------------
    def _value(self, name: str) -> Any:
        widget = self.c[name]
        if isinstance(widget, Input | Select | Checkbox):
            return widget.value
        raise KeyError(name)

    def to_model(self) -> Account:
        return replace(
            self._base,
            **{name: self._value(name) for name in INPUT_FIELDS},
            flow=str(self._value("flow")),
            client_type=str(self._value("client_type")),
            client_auth=str(self._value("client_auth")),
            auto_refresh=bool(self._value("auto_refresh")),
            token_params=self.editor("token_params").to_rows(),
            auth_params=self.editor("auth_params").to_rows(),
            proxy_users=self.editor("proxy_users").to_values(),
        )

    def load_model(self, account: Account) -> None:
        """Show ``account`` (e.g. after "reload from disk"); issues are recomputed."""
        self._base = account
        for name in INPUT_FIELDS:
            self.control(name, Input).value = getattr(account, name)
        self._flow, self._scope_swap = account.flow, None  # a reload is not a switch
        self.control("flow", Select).value = account.flow
        self.control("client_type", Select).value = account.client_type
        self.control("client_auth", Select).value = account.client_auth
        self.control("auto_refresh", Checkbox).value = account.auto_refresh
        self.control("tenant", Input).value = self._tenant_filled = self._tenant_of(account)
        self._cloud = cloud_of_url(account.authorize_url) or "global"
        self.control("cloud", Select).value = self._cloud
        self.editor("token_params").load_rows(account.token_params)
        self.editor("auth_params").load_rows(account.auth_params)
        self.editor("proxy_users").load_values(account.proxy_users)
        self._show_tokens(account.access_token, account.refresh_token,
                          account.access_token_expires_at)
        self.refresh_issues()

    def set_token_state(self, state: TokenState) -> None:
        """New tokens were issued (authorize or refresh): show them, keep the edits."""
        self._base = replace(self._base, access_token=state.access_token,
                             refresh_token=state.refresh_token,
                             access_token_expires_at=state.expires_at)
        self._show_tokens(state.access_token, state.refresh_token, state.expires_at)

    def _show_tokens(self, access: str, refresh: str, expires_at: float | None) -> None:
        self.control("access_token", TokenView).set_value(access)
        self.control("refresh_token", TokenView).set_value(refresh)
        self.refresh_expiry(expires_at)

    def refresh_expiry(self, expires_at: float | None = None) -> None:
        when = expires_at if expires_at is not None else self._base.access_token_expires_at
        self.control("access_token_expires_at", Static).update(
            Content(expiry_text(when, host_of(self).now())))

    def control(self, name: str, kind: type[W]) -> W:
        """The control of field ``name``, as the kind of widget it is."""
        widget = self.c[name]
        if not isinstance(widget, kind):
            raise TypeError(f"the {name} control is a {type(widget).__name__}, "
                            f"not a {kind.__name__}")
        return widget

    def editor(self, name: str) -> ParamRowsEditor:
        return self.control(name, ParamRowsEditor)

    # -- validation -------------------------------------------------------------------------
    def issues(self) -> list[Issue]:
        found = validate(self.to_model(), taken_labels=self.taken_labels) + self.extra_issues
        return sorted(found, key=issue_sort_key)

    def refresh_issues(self, *, show_all: bool | None = None) -> list[Issue]:
        """Show the issues of the touched fields (or all); return every issue."""
        if show_all:
            self.show_all = True
        issues = self.issues()
        visible = [i for i in issues if self.show_all or base_field(i.field) in self.touched]
        for field in self.query(Field):
            if field.field_name in ROW_FIELDS:
                continue
            field.show_issues([i for i in visible if i.field == field.field_name])
        for name in ROW_FIELDS:
            self.editor(name).show_issues([i for i in visible if base_field(i.field) == name])
        return issues

    def focus_field(self, field: str) -> None:
        base = base_field(field)
        if base in ROW_FIELDS:
            if self.editor(base).focus_field(field):
                return
            self.editor(base).query_one(".rows-add").focus()
            return
        widget = self.c.get(base)
        if widget is not None and widget.focusable:
            widget.focus()

    def issue_to_explain(self) -> Issue | None:
        """For the troubleshooting key: the focused field's issue (errors first; in a row,
        that row's), else the first error, else the first warning, else None."""
        issues = self.issues()
        focused = self.screen.focused
        name = self._field_of(focused)
        row = getattr(focused, "row", None) if name in ROW_FIELDS else None
        rows = self.editor(name)._rows if row is not None and name else []
        if row in rows:
            name = f"{name}[{rows.index(row)}]"
        mine = [i for i in issues if name and (i.field == name or i.field.startswith(
            (name + ".", name + "[")))]
        for group in (mine, [i for i in issues if i.is_error], issues):
            if group:
                return sorted(group, key=lambda i: not i.is_error)[0]
        return None

    def _field_of(self, widget: Widget | None) -> str | None:
        node: DOMNode | None = widget
        while node is not None and node is not self:
            name = getattr(node, "field_name", None)
            if name:
                return str(name)
            node = node.parent
        return None

    # -- events -------------------------------------------------------------------------------
    def on_descendant_focus(self, event: DescendantFocus) -> None:
        """Mark the field holding the focus (its title is highlighted)."""
        holder = next((a for a in event.widget.ancestors_with_self if isinstance(a, Field)),
                      None)
        for field in self.query(Field):
            field.set_class(field is holder, "-focused")

    def on_descendant_blur(self, event: DescendantBlur) -> None:
        name = self._field_of(event.widget)
        if name is None:
            return
        self.touched.add(name)
        if name == "tenant":
            self._maybe_fill(quiet=True)
        self.refresh_issues()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "f-tenant":
            self.extra_issues = []
        self.refresh_issues()

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "f-cloud" and event.value != self._cloud:
            # Select also reports its first value once mounted: only a real change refills
            self._cloud = str(event.value)
            if self.control("tenant", Input).value.strip():
                self.fill_urls()
        if event.select.id == "f-flow" and event.value != self._flow:
            self._flow = str(event.value)
            self._flow_switched()
        self.refresh_issues()

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        self.refresh_issues()

    def on_param_rows_editor_changed(self, event: ParamRowsEditor.Changed) -> None:
        self.refresh_issues()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "f-tenant":
            self.fill_urls()
        self.screen.focus_next()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "f-fill":
            event.stop()
            self.fill_urls()

    # -- sign-in flow -------------------------------------------------------------------------
    def _flow_switched(self) -> None:
        """Keep the token scope row usable for the flow just chosen (tui.core.appscope):
        app-only needs one RESOURCE/.default scope; going back undoes that if untouched."""
        editor = self.editor("token_params")
        if self._flow == "app":
            token_url = self.control("token_url", Input).value
            swap = self._scope_swap = swap_to_app_only(editor.to_rows(),
                                                       graph_base_for(token_url))
            if swap is None:  # already right, or another API's scopes: the rules speak
                self.touched.add("token_params")
                return
            editor.load_rows(swap.after)
            self.notify(f"App-only takes one /.default scope, so the token scope is now "
                        f"{swap.new} (was: {swap.old}).", title="Scope changed", timeout=8)
            return
        swap, self._scope_swap = self._scope_swap, None
        rows = swap.undo(editor.to_rows()) if swap is not None else None
        if swap is not None and rows is not None:
            editor.load_rows(rows)
            self.notify(f"Delegated again: the token scope is back to {swap.old}.",
                        title="Scope restored", timeout=6)

    # -- tenant helper ------------------------------------------------------------------------
    def _maybe_fill(self, quiet: bool) -> None:
        tenant = self.control("tenant", Input).value.strip()
        if tenant and tenant != self._tenant_filled:
            self.fill_urls(quiet=quiet)

    def fill_urls(self, *, quiet: bool = False) -> None:
        """Both URLs from tenant + cloud (tenant.endpoint_urls)."""
        tenant = self.control("tenant", Input).value
        cloud = str(self.control("cloud", Select).value)
        try:
            auth, token = endpoint_urls(tenant, cloud)
        except UsageError as exc:
            self.extra_issues = [Issue("tenant", ERROR, str(exc), "config.bad_tenant")]
            self.touched.add("tenant")
            self.refresh_issues()
            return
        self.extra_issues = []
        self._tenant_filled = tenant.strip()
        self.control("authorize_url", Input).value = auth
        self.control("token_url", Input).value = token
        self.touched.update({"authorize_url", "token_url"})
        self.refresh_issues()
        if not quiet:
            self.notify(f"Filled both URLs for tenant {tenant.strip()!r} "
                        f"({CLOUD_NAMES[cloud]} cloud).", timeout=3)
