-- sfd in Neovim (0.7 or later): filetype, and `sfdc lsp` for every .sfd
-- buffer, rooted at the nearest directory holding a .git or the file's own.
-- Put this file in ~/.config/nvim/lua/ and `require('sfd')` from init.lua.
vim.cmd([[autocmd BufRead,BufNewFile *.sfd setfiletype sfd]])

local function root_of(path)
  local dir = vim.fn.fnamemodify(path, ':p:h')
  local git = vim.fn.finddir('.git', dir .. ';')
  return git ~= '' and vim.fn.fnamemodify(git, ':p:h:h') or dir
end

vim.api.nvim_create_autocmd('FileType', {
  pattern = 'sfd',
  callback = function(args)
    local root = root_of(vim.api.nvim_buf_get_name(args.buf))
    local config = {
      name = 'sfdc',
      cmd = { 'sfdc', 'lsp' },   -- add '--stdlib', '/path/to/stdlib' if needed
      root_dir = root,
    }
    if vim.lsp.start then        -- 0.8+: reuses a running client for the root
      vim.lsp.start(config, { bufnr = args.buf })
    else                         -- 0.7
      _G.sfdc_clients = _G.sfdc_clients or {}
      local id = _G.sfdc_clients[root] or vim.lsp.start_client(config)
      _G.sfdc_clients[root] = id
      vim.lsp.buf_attach_client(args.buf, id)
    end
    vim.bo[args.buf].commentstring = '# %s'
  end,
})
