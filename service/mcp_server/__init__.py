"""The MCP server: a pull agent's session as MCP tools, over Streamable HTTP, in its own process.

An MCP-capable agent takes its model-step's session over REST (/agents/<signature>/sessions/next,
with its model token), then connects here with the session's token in every request's
`Authorization: Bearer` header. The tools read, order and close through the same desk as the REST
resource (service/jobs/pull_desk.py), so both ways see and store the same session. Run it with
`python -m service.mcp_server --host H --port P`; the endpoint is /mcp, and /health answers GET.
"""
