"""The main journeys through Kaohe's pages in a real browser: Playwright driving Chromium."""
