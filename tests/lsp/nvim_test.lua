-- A real editor as the client: headless Neovim's built-in LSP client runs
-- `sfdc lsp` on a copy of examples/sfdata. Every assertion reads Neovim's
-- own state: its diagnostics, the hover window, the buffer after a quick
-- fix, a rename and formatting. Run by tests/lsp/nvim_test.sh, which sets
-- SFDC, SFDC_STDLIB, WS (a scratch copy of the example) and RESULT.
local sfdc, stdlib, ws, result = os.getenv('SFDC'), os.getenv('SFDC_STDLIB'), os.getenv('WS'),
  os.getenv('RESULT')
local out = io.open(result, 'w')
local passed, failed = 0, 0

local function check(name, ok, why)
  if ok then
    passed = passed + 1
    out:write('ok   nvim: ' .. name .. '\n')
  else
    failed = failed + 1
    out:write('FAIL nvim: ' .. name .. ': ' .. vim.inspect(why):sub(1, 400):gsub('\n', ' ') .. '\n')
  end
  out:flush()
end

local function finish()
  out:write(string.format('%d passed, %d failed\n', passed, failed))
  out:close()
  vim.cmd('qall!')
end

local function lines()
  return table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\n')
end

local function find(needle)
  for i, l in ipairs(vim.api.nvim_buf_get_lines(0, 0, -1, false)) do
    local c = l:find(needle, 1, true)
    if c then return i, c - 1 end
  end
end

local function codes()
  local cs = {}
  for _, d in ipairs(vim.diagnostic.get(0)) do
    local code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code)
    table.insert(cs, code)
  end
  return cs
end

local function has(list, x)
  for _, v in ipairs(list) do if v == x then return true end end
  return false
end

local ok, err = pcall(function()
  local id = vim.lsp.start_client({
    name = 'sfdc', cmd = { sfdc, 'lsp', '--stdlib', stdlib }, root_dir = ws,
    flags = { debounce_text_changes = 20 },
  })
  check('client started', id ~= nil, id)
  vim.cmd('edit ' .. ws .. '/la.sfd')
  vim.lsp.buf_attach_client(0, id)
  local client = vim.lsp.get_client_by_id(id)
  check('initialized', vim.wait(5000, function() return client.initialized end, 20), 'timeout')

  -- diagnostics after an edit
  local row, col = find('service daemon')
  vim.api.nvim_buf_set_text(0, row - 1, col, row - 1, col + 7, { 'servce' })
  local got = vim.wait(5000, function() return has(codes(), 'E0305') end, 20)
  check('diagnostics after an edit (E0305)', got, codes())

  -- the quick fix, applied by Neovim
  row, col = find('servce')
  vim.api.nvim_win_set_cursor(0, { row, col })
  local params = vim.lsp.util.make_range_params()
  params.context = { diagnostics = vim.lsp.diagnostic.get_line_diagnostics(0) }
  local resp = client.request_sync('textDocument/codeAction', params, 3000, 0)
  local action
  for _, a in ipairs((resp and resp.result) or {}) do
    if a.title:find('service', 1, true) then action = a end
  end
  check('quick fix offered', action ~= nil, resp)
  vim.lsp.util.apply_workspace_edit(action.edit, client.offset_encoding)
  got = vim.wait(5000, function() return find('service daemon') ~= nil end, 20)
  check('quick fix applied to the buffer', got, lines():sub(1, 200))
  got = vim.wait(5000, function() return #vim.diagnostic.get(0) == 0 end, 20)
  check('diagnostics cleared after the fix', got, codes())

  -- hover a field: the floating window shows explain's final value
  row, col = find('memory = 1 GiB')
  vim.api.nvim_win_set_cursor(0, { row, col + 1 })
  vim.lsp.buf.hover()
  local text = ''
  got = vim.wait(5000, function()
    for _, w in ipairs(vim.api.nvim_list_wins()) do
      if vim.api.nvim_win_get_config(w).relative ~= '' then
        text = table.concat(vim.api.nvim_buf_get_lines(vim.api.nvim_win_get_buf(w), 0, -1, false), '\n')
        if text:find('la-camden.service.daemon.memory = 1 GiB', 1, true) then return true end
      end
    end
    return false
  end, 20)
  check('hover window shows the final value', got, text:sub(1, 300))
  check('hover window shows the prod override', text:find('in `prod`: `2 GiB`', 1, true) ~= nil,
    text:sub(1, 600))
  for _, w in ipairs(vim.api.nvim_list_wins()) do
    if vim.api.nvim_win_get_config(w).relative ~= '' then vim.api.nvim_win_close(w, true) end
  end

  -- rename a template parameter
  row, col = find('cidr: cidr')
  vim.api.nvim_win_set_cursor(0, { row, col })
  vim.lsp.buf.rename('net')
  got = vim.wait(5000, function() return find('net: cidr') ~= nil and find('cidr = net') ~= nil end, 20)
  check('rename of a template parameter', got, lines():sub(1, 400))
  got = vim.wait(3000, function() return #vim.diagnostic.get(0) == 0 end, 20)
  check('no diagnostics after the rename', got, codes())

  -- rename a parameter used inside the interpolated label, then a `for`
  -- variable from one of its uses
  row, col = find('code: name')
  vim.api.nvim_win_set_cursor(0, { row, col })
  vim.lsp.buf.rename('la_code')
  got = vim.wait(5000, function() return find('"la-${la_code}"') ~= nil end, 20)
  check('rename of a parameter inside an interpolation', got, lines():sub(1, 400))
  row, col = find('la.code')
  vim.api.nvim_win_set_cursor(0, { row, col })
  vim.lsp.buf.rename('authority')
  got = vim.wait(5000, function()
    return find('for authority in las') ~= nil and find('use local_authority(authority.code') ~= nil
  end, 20)
  check('rename of a for variable from a use', got, lines():sub(-300))
  got = vim.wait(3000, function() return #vim.diagnostic.get(0) == 0 end, 20)
  check('no diagnostics after the renames', got, codes())

  -- formatting through sfdc fmt: a mis-indented line is put back
  row, col = find('spot = true')
  vim.api.nvim_buf_set_lines(0, row - 1, row, false, { '          spot   =   true' })
  vim.lsp.buf.formatting_sync(nil, 3000)
  local line = vim.api.nvim_buf_get_lines(0, row - 1, row, false)[1]
  check('formatting re-indents the line', line == '      spot = true', line)
end)
if not ok then check('script ran', false, err) end
finish()
