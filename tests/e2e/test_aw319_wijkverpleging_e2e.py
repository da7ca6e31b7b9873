"""AW319 wijkverpleging (EI code 428) through the exchange and a stub insurer, as a vendor does.

The pytest plugin's exchange runs the real gateway (technical check, berichtstroom agreement)
and the stub insurers; the wijkverpleging instelling of the default world pushes its file and
pulls the insurer's AW320 answer (EI code 429, the code COD002 pairs with 428).
"""

import datetime as dt

import vektis
from provider_client import GenerateOptions, generate_file

INSTELLING = "75750001"  # docs/TESTDATA.md: the wijkverpleging instelling, AW319


async def test_a_428_file_is_accepted_judged_and_answered_with_an_aw320_429(vecozo):
    options = GenerateOptions(
        provider=INSTELLING, insurer="3311", lines=4, seed=7, today=dt.date.today()
    )
    declaration = generate_file(vecozo.world, options).data
    assert declaration[:9] == b"014280104"  # AW319 v1.4 with "bij Wijkverpleging ... '428'"
    client = vecozo.client(INSTELLING)

    receipt = await client.push(declaration)
    info, answer = await client.fetch_return(receipt.traceer_id, timeout=30)

    assert info.als_antwoord_op == receipt.traceer_id
    assert (info.stream.berichttype, info.stream.berichtversie, info.stream.berichtsubversie) == (
        "AW320",
        1,
        4,
    )
    assert answer[:9] == b"014290104"
    returned = vektis.parse_file(answer)
    assert (returned.standard.name, returned.standard.ei_code) == ("AW320", 429)
    assert returned.header.get("retourcodes")[0] != "8061"
