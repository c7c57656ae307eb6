--- Run status for kimi-lsp: the latest `kimi/swarmStatus` snapshot of each run,
--- and the `$/progress` echo. Kept apart from the commands so both the
--- notification handler and :KimiStatus read the same picture.
local M = {}

--- Snapshots by run id, and run ids in the order they were first seen.
M.runs = {}
M.order = {}

local TOKEN_PREFIX = 'kimi-swarm/'

local function remember(snapshot)
  if not M.runs[snapshot.runId] then
    table.insert(M.order, snapshot.runId)
  end
  M.runs[snapshot.runId] = snapshot
end

--- One line that says where a run is, as shown when it ends and in :KimiStatus.
function M.summary(snapshot)
  local totals = snapshot.totals or {}
  local parts = {
    string.format('%s %s [%s] %s', snapshot.refactor, snapshot.runId, snapshot.status, snapshot.phase),
    string.format('%d/%d groups ok', totals.ok or 0, totals.groups or 0),
    string.format('%.1fs', snapshot.elapsed or 0),
  }
  if totals.failed and totals.failed > 0 then
    table.insert(parts, totals.failed .. ' failed')
  end
  if snapshot.delivery and snapshot.delivery ~= 'pending' then
    table.insert(parts, snapshot.delivery)
  end
  if snapshot.message and snapshot.message ~= vim.NIL then
    table.insert(parts, snapshot.message)
  end
  return table.concat(parts, ', ')
end

--- The lines :KimiStatus shows for one run: the summary, then one line per group.
function M.describe(snapshot)
  local lines = { M.summary(snapshot) }
  for _, group in ipairs(snapshot.groups or {}) do
    local line = string.format('  %-10s %-9s %s', group.id, group.status, table.concat(group.files or {}, ' '))
    if group.error and group.error ~= vim.NIL then
      line = line .. '  error: ' .. group.error
    end
    table.insert(lines, line)
  end
  return lines
end

--- Handler for the server's `kimi/swarmStatus` notification.
function M.on_status(_, snapshot)
  if type(snapshot) ~= 'table' or not snapshot.runId then
    return
  end
  local previous = M.runs[snapshot.runId]
  remember(snapshot)
  if snapshot.phase == 'done' and not (previous and previous.phase == 'done') then
    local level = snapshot.status == 'ok' and vim.log.levels.INFO or vim.log.levels.WARN
    vim.notify('Kimi swarm: ' .. M.summary(snapshot), level)
  end
  vim.api.nvim_exec_autocmds('User', { pattern = 'KimiSwarmStatus', modeline = false, data = snapshot })
end

--- The run a command without a run id means: the newest one still going,
--- else the newest one.
function M.current_run_id()
  for i = #M.order, 1, -1 do
    local snapshot = M.runs[M.order[i]]
    if snapshot.phase ~= 'done' then
      return snapshot.runId
    end
  end
  return M.order[#M.order]
end

--- Echo kimi-lsp's work-done progress; Neovim keeps `$/progress` but shows nothing by itself.
function M.echo_progress(event)
  local params = event.data and event.data.params
  if not params or type(params.token) ~= 'string' or params.token:sub(1, #TOKEN_PREFIX) ~= TOKEN_PREFIX then
    return
  end
  local value = params.value or {}
  local text = value.title or 'Kimi swarm'
  if value.message then
    text = text .. ': ' .. value.message
  end
  if value.percentage then
    text = string.format('%s (%d%%)', text, value.percentage)
  end
  vim.api.nvim_echo({ { text } }, false, {})
end

function M.reset()
  M.runs = {}
  M.order = {}
end

return M
