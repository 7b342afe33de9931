from solocrm.core.demo import demo_load


def test_list_page_links_to_import_export_and_duplicates_with_its_filters(owner_client, owner):
    demo_load(customers=5, seed=3, owner=owner)
    html = owner_client.get("/customers/?stage=lead&sort=name").content.decode()
    assert 'href="/customers/import/"' in html
    assert 'href="/customers/duplicates/"' in html
    assert "/customers/export/?stage=lead&amp;sort=name&amp;format=csv" in html
    response = owner_client.get("/customers/export/?stage=lead&sort=name&format=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")


def test_viewers_see_no_import_or_export_buttons(client, viewer):
    client.force_login(viewer)
    html = client.get("/customers/").content.decode()
    assert "/customers/import/" not in html and "/customers/export/" not in html
