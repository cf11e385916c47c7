"""The command palette (ctrl+p): the app's own commands by name, and nothing else.

Textual's default list offers every binding in reach, the table's cursor moves and
text selection included, and Quit three times. This provider asks the screen the
palette was opened on for its commands (``palette_commands``, per-account ones such as
"Authorize shared-mailbox" among them), falls back to the screen's own described keys
for screens that do not say, and adds the few that work everywhere. Each name is
offered once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.screen import Screen


@dataclass(frozen=True)
class PaletteCommand:
    """One entry: ``run`` is called when it is picked. ``listed``: shown before anything is
    typed (False for the long per-account lists, which a search still finds)."""

    name: str
    help: str
    run: Callable[[], object]
    listed: bool = True


@runtime_checkable
class CommandSource(Protocol):
    """A screen that names its own palette commands (those that apply now)."""

    def palette_commands(self) -> Iterable[PaletteCommand]: ...


def action_command(node: Any, name: str, action: str, help: str = "") -> PaletteCommand:
    """A command that runs ``action`` (e.g. "app.help", "save") as its key would."""

    async def run() -> None:
        await node.app.run_action(action, node)

    return PaletteCommand(name, help or name, run)


def from_bindings(screen: Screen[Any]) -> list[PaletteCommand]:
    """A screen's own described keys that apply now (its widgets' and the app's left out)."""
    return [action_command(screen, active.binding.description, active.binding.action,
                           active.binding.tooltip)
            for active in screen.active_bindings.values()
            if active.node is screen and active.enabled and active.binding.description]


def commands_for(screen: Screen[Any]) -> list[PaletteCommand]:
    """What the palette offers on ``screen``: its commands, then the app-wide ones."""
    app = screen.app
    own = list(screen.palette_commands()) if isinstance(screen, CommandSource) else (
        from_bindings(screen))
    everywhere = [
        action_command(app, "Help", "app.help", "What this screen is for, and its keys"),
        action_command(app, "Change theme", "app.change_theme", "Pick the colours"),
        action_command(app, "Quit", "app.quit", "Leave exo-oauth"),
    ]
    if not getattr(screen, "IS_TROUBLESHOOT_PANEL", False):
        everywhere.insert(1, action_command(
            app, "Troubleshoot", "app.troubleshoot",
            "Every problem exo-oauth knows, with what to do (the selected one's first)"))
    seen: set[str] = set()
    result = []
    for command in [*own, *everywhere]:
        if command.name not in seen:
            seen.add(command.name)
            result.append(command)
    return result


class ExoCommands(Provider):
    """The palette's only provider (ExoApp.COMMANDS)."""

    async def discover(self) -> Hits:
        for command in commands_for(self.screen):
            if command.listed:
                yield DiscoveryHit(command.name, command.run, help=command.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in commands_for(self.screen):
            score = matcher.match(command.name)
            if score > 0:
                yield Hit(score, matcher.highlight(command.name), command.run,
                          text=command.name, help=command.help)
