"""One run start to finish: what the engine lets through the merge and the gate."""

from __future__ import annotations

import asyncio

from kimi_lsp.errors import UserError
from kimi_lsp.swarm.changeset import Changeset, Conflict, TextEdit, content_hash
from kimi_lsp.swarm.engine import RunOptions, execute
from kimi_lsp.swarm.events import RunState
from kimi_lsp.swarm.plan import Group, Plan
from kimi_lsp.swarm.scheduler import GroupError, GroupResult
from kimi_lsp.swarm.verify import Verification

SOURCE = "const a = getUser(1);\n"


def renamed_to(name: str, path: str = "a.js") -> Changeset:
    changeset = Changeset()
    changeset.add_edits(path, content_hash(SOURCE), [TextEdit((0, 10), (0, 17), name)])
    return changeset


class ScriptedSession:
    """A refactor session whose groups return prepared results, in the shape real workers do."""

    def __init__(self, results: dict, plan_conflicts=(), errors_after: int = 0, plan_error: str | None = None):
        self.results = results
        self.plan_conflicts = list(plan_conflicts)
        self.errors_after = errors_after
        self.plan_error = plan_error
        self.verified: Changeset | None = None
        self.closed = False

    async def plan(self) -> Plan:
        if self.plan_error:
            raise UserError(self.plan_error)
        groups = [Group(gid, f"group {gid}", modify=["a.js"]) for gid in self.results]
        plan = Plan("test", "/p", groups, "check")
        plan.conflicts = self.plan_conflicts
        return plan

    async def run_group(self, group: Group, agent: int) -> GroupResult:
        result = self.results[group.id]
        if isinstance(result, Exception):
            raise result
        if result == "forever":
            await asyncio.sleep(3600)
        return result

    async def verify(self, changeset: Changeset) -> Verification:
        self.verified = changeset
        return Verification("check", 0, self.errors_after, new_errors=["a.js: broken"] if self.errors_after else [])

    async def close(self) -> None:
        self.closed = True


async def run(session: ScriptedSession):
    return await execute("test", session, RunState("r1", "test", 2), lambda event: None, RunOptions(agents=2, retries=0))


async def test_agreeing_groups_merge_and_pass_the_gate():
    session = ScriptedSession({"g1": GroupResult(renamed_to("fetchUser")), "g2": GroupResult(renamed_to("fetchUser"))})

    result = await run(session)

    assert (result.status, result.message) == ("ok", "1 file(s) changed")
    assert result.changeset.new_text("a.js", SOURCE) == "const a = fetchUser(1);\n"
    assert session.verified is not None and session.closed


async def test_groups_that_disagree_are_reported_and_nothing_is_kept():
    session = ScriptedSession({"g1": GroupResult(renamed_to("fetchUser")), "g2": GroupResult(renamed_to("loadUser"))})

    result = await run(session)

    assert result.status == "failed"
    assert result.conflicts == [Conflict("a.js", "edits overlap at line 1: 'fetchUser' and 'loadUser'")]
    assert result.changeset.is_empty()
    assert result.report()["files_changed"] == []
    assert session.verified is None


async def test_conflicts_inside_one_group_fail_the_run_like_conflicts_between_groups():
    inner = Conflict("a.js", "edits overlap at line 1: 'fetchUser' and 'loadUser'")
    session = ScriptedSession({"g1": GroupResult(renamed_to("fetchUser"), conflicts=[inner])})

    result = await run(session)

    assert (result.status, result.conflicts) == ("failed", [inner])
    assert result.message == "1 conflicting edit(s); nothing was applied"


async def test_a_result_that_makes_the_checks_worse_is_never_kept():
    session = ScriptedSession({"g1": GroupResult(renamed_to("fetchUser"))}, errors_after=2)

    result = await run(session)

    assert result.status == "failed"
    assert result.message == "verification got worse (0 -> 2 errors); nothing was applied"
    assert result.changeset.is_empty()
    assert result.report()["verification"]["new_errors"] == ["a.js: broken"]


async def test_some_failed_groups_make_a_partial_result_of_the_rest():
    session = ScriptedSession({"g1": GroupResult(renamed_to("fetchUser")), "g2": GroupError("cannot rename there")})

    result = await run(session)

    assert result.status == "partial"
    assert result.message == "1 file(s) changed; 1 group(s) did not finish: g2: cannot rename there"
    assert [(g["id"], g["status"]) for g in result.report()["groups"]] == [("g1", "ok"), ("g2", "failed")]


async def test_all_groups_failing_fails_the_run():
    session = ScriptedSession({"g1": GroupError("no"), "g2": GroupError("no")})

    result = await run(session)

    assert (result.status, result.message) == ("failed", "all 2 group(s) failed; nothing was applied")


async def test_contradictory_requests_fail_before_any_group_runs():
    conflict = Conflict("a.js", "'getUser' is renamed to both a and b")
    session = ScriptedSession({"g1": GroupError("must not run")}, plan_conflicts=[conflict])

    result = await run(session)

    assert (result.status, result.conflicts, result.outcomes) == ("failed", [conflict], {})
    assert [g["status"] for g in result.report()["groups"]] == ["not run"]


async def test_a_request_error_while_planning_fails_the_run_with_its_message():
    session = ScriptedSession({}, plan_error="src/missing.js does not exist")

    result = await run(session)

    assert (result.status, result.message) == ("failed", "src/missing.js does not exist")
    assert session.closed


async def test_cancelling_a_run_keeps_nothing_and_closes_the_session():
    session = ScriptedSession({"g1": "forever", "g2": "forever"})
    task = asyncio.create_task(run(session))
    await asyncio.sleep(0.05)

    task.cancel()
    result = await asyncio.wait_for(task, 5)

    assert (result.status, result.message) == ("cancelled", "cancelled; nothing was applied")
    assert result.changeset.is_empty()
    assert session.closed
