"""The LLM trading agent: chat client, tools, news, prompt, the mock model and the loop."""
