--- What the :Kimi* user commands and the server's code actions do: build the
--- one JSON object each `kimi.swarm.*` command takes and send it.
local status = require('kimi.status')

local M = {}

--- Options from setup() that shape requests (agents, preview).
M.options = {}

local function notify_error(message)
  vim.notify('Kimi: ' .. message, vim.log.levels.ERROR)
end

--- The kimi-lsp client for a buffer, or any running one.
function M.client(bufnr)
  local clients = vim.lsp.get_clients({ name = 'kimi', bufnr = bufnr or 0 })
  if #clients == 0 then
    clients = vim.lsp.get_clients({ name = 'kimi' })
  end
  if #clients == 0 then
    notify_error('kimi-lsp is not running; open a file in a project first')
    return nil
  end
  return clients[1]
end

--- A path as the server wants it: relative to the workspace root.
function M.relative(client, path)
  local folder = (client.workspace_folders or {})[1]
  local root = client.root_dir or (folder and vim.uri_to_fname(folder.uri))
  local rel = root and vim.fs.relpath(root, vim.fs.abspath(path))
  if not rel then
    notify_error(path .. ' is outside the workspace ' .. tostring(root))
  end
  return rel
end

--- Send `workspace/executeCommand` with one JSON object; errors become notifications.
function M.execute(client, command, argument, on_result)
  client:request('workspace/executeCommand', { command = command, arguments = { argument } }, function(err, result)
    if err then
      notify_error(string.format('%s failed: %s', command, err.message or vim.inspect(err)))
    elseif on_result then
      on_result(result)
    end
  end)
end

--- Start a run with the options from setup() filled in.
function M.start(client, argument)
  argument = vim.deepcopy(argument)
  if argument.agents == nil then
    argument.agents = M.options.agents
  end
  if argument.preview == nil then
    argument.preview = M.options.preview
  end
  M.execute(client, 'kimi.swarm.start', argument, function(result)
    vim.notify(string.format('Kimi swarm: %s run %s started', argument.refactor, result.runId))
  end)
end

--- Ask for what a code action leaves to the editor (each rename's new name,
--- an instruction), then call done(argument); nothing if the user cancels.
local function ask_missing(argument, old_name, done)
  if argument.refactor == 'instruct' and argument.instruction == nil then
    vim.ui.input({ prompt = 'Kimi instruction: ' }, function(text)
      if text and text ~= '' then
        argument.instruction = text
        done(argument)
      end
    end)
    return
  end
  for _, rename in ipairs(argument.renames or {}) do
    if rename.new == nil then
      vim.ui.input({ prompt = string.format('Rename %s across the workspace to: ', old_name or rename.target), default = old_name }, function(new)
        if new == nil or new == '' or new == old_name then
          return
        end
        rename.new = new
        ask_missing(argument, old_name, done)
      end)
      return
    end
  end
  done(argument)
end

--- Client side of the server's code actions: a rename comes without its new
--- name and an instruction run without its instruction, so ask first.
function M.start_from_code_action(command, ctx)
  local client = vim.lsp.get_client_by_id(ctx.client_id)
  local argument = vim.deepcopy((command.arguments or {})[1] or {})
  if not client then
    return
  end
  local old_name = (command.title or ''):match("'([^']+)'")
  ask_missing(argument, old_name, function(filled)
    M.start(client, filled)
  end)
end

--- :KimiRename {new}: the server's rename code action at the cursor, with its new name.
function M.rename(new)
  local client = M.client()
  if not client then
    return
  end
  local params = vim.lsp.util.make_range_params(0, client.offset_encoding)
  params.context = { diagnostics = {}, only = { 'refactor.rewrite' } }
  client:request('textDocument/codeAction', params, function(err, actions)
    if err then
      return notify_error('code actions failed: ' .. err.message)
    end
    for _, action in ipairs(actions or {}) do
      local command = type(action.command) == 'table' and action.command or action
      local argument = (command.arguments or {})[1]
      if command.command == 'kimi.swarm.start' and argument and argument.refactor == 'rename' then
        argument = vim.deepcopy(argument)
        for _, rename in ipairs(argument.renames) do
          rename.new = new
        end
        return M.start(client, argument)
      end
    end
    notify_error('no symbol to rename under the cursor')
  end, 0)
end

--- :KimiConvert [path]: the whole workspace, or one folder or file, to TypeScript.
function M.convert(path)
  local client = M.client()
  if not client then
    return
  end
  local argument = { refactor = 'js-to-ts' }
  if path and path ~= '' then
    local rel = M.relative(client, path)
    if not rel then
      return
    end
    if vim.fn.isdirectory(path) == 1 then
      argument.folder = rel
    else
      argument.files = { rel }
    end
  end
  M.start(client, argument)
end

--- :[range]KimiInstruct [instruction]: a free-form instruction on the current
--- file or its lines (every file with !), asking for it when none is given.
function M.instruct(instruction, whole_workspace, lines)
  local client = M.client()
  if not client then
    return
  end
  local argument = { refactor = 'instruct', files = { '**/*' } }
  if not whole_workspace then
    local rel = M.relative(client, vim.api.nvim_buf_get_name(0))
    if not rel then
      return
    end
    argument.files = { rel }
    argument.lines = lines
  end
  local function go(text)
    if text and text ~= '' then
      argument.instruction = text
      M.start(client, argument)
    end
  end
  if instruction and instruction ~= '' then
    go(instruction)
  else
    vim.ui.input({ prompt = 'Kimi instruction: ' }, go)
  end
end

--- :KimiCancel, :KimiApply, ... : a `kimi.swarm.<verb>` on a run (default: the current one).
function M.run_command(verb, run_id)
  local client = M.client()
  if not client then
    return
  end
  run_id = (run_id ~= '' and run_id) or status.current_run_id()
  if not run_id then
    return notify_error('no run yet: start one first')
  end
  M.execute(client, 'kimi.swarm.' .. verb, { runId = run_id }, function(result)
    vim.notify(string.format('Kimi swarm: %s %s: %s', verb, run_id, (result or {}).status or 'done'))
  end)
end

--- :KimiStatus: every run the server knows, with its groups.
function M.show_status()
  local client = M.client()
  if not client then
    return
  end
  M.execute(client, 'kimi.swarm.status', vim.empty_dict(), function(result)
    local lines = {}
    for _, snapshot in ipairs(result.runs or {}) do
      vim.list_extend(lines, status.describe(snapshot))
    end
    vim.notify(#lines > 0 and table.concat(lines, '\n') or 'Kimi swarm: no runs yet')
  end)
end

return M
