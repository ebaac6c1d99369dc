"""The web dashboard (an interface, like ``cli`` and ``api``): server-rendered Jinja2 pages with
htmx and Apache ECharts, vendored under ``static/``. ``mount.mount_dashboard`` adds it to the API
app; ``standalone.render_report_html`` writes the overview as one self-contained HTML file."""
