"""The kolena-lab labextension loads in a real JupyterLab and its About command shows a dialog."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.ui

PLUGIN_ID = "kolena-lab:plugin"


def test_plugin_activates_and_about_dialog_shows(lab_page):
    page = lab_page.page
    console = []
    page.on("console", lambda msg: console.append(msg.text))

    lab_page.open()

    activated = page.evaluate(f"() => window.jupyterapp.isPluginActivated('{PLUGIN_ID}')")
    assert activated, (
        f"{PLUGIN_ID} is not activated; is kolena_lab installed with its labextension "
        "(pip install -e .; jupyter labextension list)?"
    )
    assert "kolena-lab extension activated" in console

    page.evaluate("() => { window.jupyterapp.commands.execute('kolena-lab:about'); }")
    dialog = page.locator(".jp-Dialog")
    expect(dialog.locator(".jp-Dialog-header")).to_have_text("About kolena_lab")
    expect(dialog.locator(".jp-Dialog-body")).to_contain_text("local ML model-testing workbench")
    lab_page.screenshot("labextension-about-dialog")

    dialog.get_by_role("button", name="Ok").click()
    expect(dialog).to_be_hidden()
