"""Pipeline settings pages: owners add, rename, make default and delete pipelines (not
one with deals), and add, edit, reorder and delete stages; others only read."""

from __future__ import annotations

import pytest
from django.utils import translation

from solocrm.sales.models import Pipeline, Stage


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _names(pipeline: Pipeline) -> list[str]:
    return list(pipeline.stages.order_by("position", "id").values_list("name", flat=True))


def test_list_shows_pipelines_and_links_from_the_sales_nav(owner_client, pipeline):
    html = owner_client.get("/sales/settings/pipelines/").content.decode()
    assert f'href="/sales/settings/pipelines/{pipeline.pk}/"' in html
    assert "Add a pipeline" in html
    board = owner_client.get("/sales/").content.decode()
    assert 'href="/sales/settings/pipelines/"' in board


def test_owner_adds_a_pipeline_with_the_default_stages(owner_client, pipeline):
    response = owner_client.post("/sales/settings/pipelines/", {"name": "  Renewals "})
    assert response.status_code == 303
    added = Pipeline.objects.get(name="Renewals")
    assert response["Location"] == f"/sales/settings/pipelines/{added.pk}/"
    assert _names(added)[0] == "Lead" and len(_names(added)) == 6
    assert added.is_default is False


def test_a_duplicate_name_is_refused_on_the_name_field(owner_client, pipeline):
    response = owner_client.post("/sales/settings/pipelines/", {"name": "sales"})
    assert response.status_code == 422
    assert response.context["form"].errors["name"] == ["A pipeline named “sales” exists."]
    assert Pipeline.objects.count() == 1


def test_rename_and_make_default(owner_client, owner, pipeline):
    from solocrm.sales import services

    other = services.pipeline_create(by=owner, name="Partners")
    response = owner_client.post(
        f"/sales/settings/pipelines/{other.pk}/",
        {"name": "Partner deals", "is_default": "on", "version": other.version},
    )
    assert response.status_code == 303
    other.refresh_from_db()
    pipeline.refresh_from_db()
    assert (other.name, other.is_default, pipeline.is_default) == ("Partner deals", True, False)


def test_stale_rename_changes_nothing(owner_client, owner, pipeline):
    from solocrm.sales import services

    services.pipeline_update(pipeline=pipeline, by=owner, data={"name": "Sales 2025"})
    response = owner_client.post(
        f"/sales/settings/pipelines/{pipeline.pk}/", {"name": "Mine", "version": 1}
    )
    assert response.status_code == 409
    assert "Someone changed this after you opened it" in response.content.decode()
    pipeline.refresh_from_db()
    assert pipeline.name == "Sales 2025"


def test_delete_is_refused_while_the_pipeline_has_deals(owner_client, pipeline, make_deal):
    make_deal()
    page = owner_client.get(f"/sales/settings/pipelines/{pipeline.pk}/").content.decode()
    assert "It cannot be deleted: 1 deal is in it." in page
    response = owner_client.post(f"/sales/settings/pipelines/{pipeline.pk}/delete/", follow=True)
    assert "This pipeline has deals; move or delete them first." in response.content.decode()
    assert Pipeline.objects.filter(pk=pipeline.pk).exists()


def test_delete_an_empty_pipeline(owner_client, pipeline):
    response = owner_client.post(f"/sales/settings/pipelines/{pipeline.pk}/delete/")
    assert response.status_code == 303
    assert not Pipeline.objects.exists() and not Stage.objects.exists()


def test_move_stages_up_and_down(owner_client, pipeline, stages):
    response = owner_client.post(f"/sales/settings/stages/{stages['Qualified'].pk}/move/up/")
    assert response.status_code == 303
    assert _names(pipeline)[:3] == ["Qualified", "Lead", "Proposal"]
    owner_client.post(f"/sales/settings/stages/{stages['Lead'].pk}/move/down/")
    assert _names(pipeline)[:3] == ["Qualified", "Proposal", "Lead"]
    # the first cannot go higher; an unknown direction is not a page
    owner_client.post(f"/sales/settings/stages/{stages['Qualified'].pk}/move/up/")
    assert _names(pipeline)[0] == "Qualified"
    assert owner_client.post(f"/sales/settings/stages/{stages['Lead'].pk}/move/x/").status_code == (
        404
    )


def test_stage_edit_validates_probability_and_flags(owner_client, stages):
    stage = stages["Proposal"]
    url = f"/sales/settings/stages/{stage.pk}/"
    response = owner_client.post(url, {"name": "Proposal", "probability": "150", "version": 1})
    assert response.status_code == 422
    assert response.context["form"].errors["probability"] == [
        "Ensure this value is less than or equal to 100."
    ]
    response = owner_client.post(
        url, {"name": "Proposal", "probability": "50", "is_won": "on", "version": 1}
    )
    assert response.context["form"].errors["probability"] == [
        "A won stage has a probability of 100 %."
    ]
    response = owner_client.post(url, {"name": "Offer sent", "probability": "60", "version": 1})
    assert response.status_code == 303
    stage.refresh_from_db()
    assert (stage.name, stage.probability, stage.version) == ("Offer sent", 60, 2)


def test_add_and_delete_a_stage(owner_client, pipeline, stages, make_deal):
    response = owner_client.post(
        f"/sales/settings/pipelines/{pipeline.pk}/stages/", {"name": "Demo", "probability": "40"}
    )
    assert response.status_code == 303
    assert _names(pipeline)[-1] == "Demo"
    demo = pipeline.stages.get(name="Demo")
    owner_client.post(f"/sales/settings/stages/{demo.pk}/delete/")
    assert not pipeline.stages.filter(name="Demo").exists()
    make_deal(stage=stages["Lead"])
    response = owner_client.post(f"/sales/settings/stages/{stages['Lead'].pk}/delete/", follow=True)
    assert "Deals are or have been in this stage" in response.content.decode()
    assert pipeline.stages.filter(name="Lead").exists()


@pytest.mark.parametrize("role", ["member", "viewer"])
def test_only_owners_change_pipelines(client, make_user, pipeline, stages, role):
    client.force_login(make_user(role))
    page = client.get(f"/sales/settings/pipelines/{pipeline.pk}/")
    assert page.status_code == 200 and "stage-up" not in page.content.decode()
    lead = stages["Lead"].pk
    assert client.post("/sales/settings/pipelines/", {"name": "X"}).status_code == 403
    assert client.post(f"/sales/settings/pipelines/{pipeline.pk}/", {"name": "X"}).status_code == (
        403
    )
    assert client.post(f"/sales/settings/pipelines/{pipeline.pk}/delete/").status_code == 403
    assert client.post(f"/sales/settings/stages/{lead}/move/down/").status_code == 403
    assert client.get(f"/sales/settings/stages/{lead}/").status_code == 403
    assert client.post(f"/sales/settings/stages/{lead}/delete/").status_code == 403
    assert list(Pipeline.objects.values_list("name", flat=True)) == ["Sales"]
    assert _names(pipeline)[0] == "Lead"
