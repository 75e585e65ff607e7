"""The Gradio UI: one package per page (``compare``, ``record``, ``depth``).

Each page's ``render`` builds it and returns its components; ``app.build_app`` lays the pages
out as tabs and wires what travels between them (``settings_link``).
"""
