"""The protocol table (maskgan_client.protocol) is what the engine, the daemon, the CLI and the plug-in take."""

import pytest

from maskgan.infer import looks, routes
from maskgan.labels import CLASS_KEYS, CLASS_NAMES
from maskgan_cli.main import build_parser
from maskgan_client import protocol
from maskgan_daemon.ops import OpError, validate_args
from maskgan_krita.settings import Settings

NAMES = dict(zip(CLASS_KEYS, CLASS_NAMES))


def test_the_table_agrees_with_the_engine():
    assert (protocol.AUTO_LOOK, protocol.MAX_LOOK) == (looks.AUTO_LOOK, looks.MAX_LOOK)
    assert protocol.METHODS == routes.METHODS
    assert protocol.ROUTES == routes.ROUTES


@pytest.mark.parametrize("op", protocol.WORK_OPS)
def test_every_default_is_taken_and_each_end_of_a_range_too(op):
    specs = protocol.WORK_OPS[op][0]
    assert validate_args(op, {}) == {name: spec.default for name, spec in specs.items()}
    for name, spec in specs.items():
        for value in (spec.low, spec.high) if spec.choices is None else spec.choices:
            assert validate_args(op, {name: value})[name] == value
        if spec.choices is None:
            with pytest.raises(
                OpError, match=f"'{name}' must be between {spec.low} and {spec.high}, got {spec.high + 1}"
            ):
                validate_args(op, {name: spec.high + 1})


def test_the_cli_takes_the_protocol_ranges_and_defaults():
    parser = build_parser()
    args = parser.parse_args(["variants", "--image", "p", "--mask", "m", "--edited-mask", "e", "--output", "o"])
    assert (args.feather, args.look, args.method, args.n, args.seed) == (
        protocol.FEATHER.default,
        protocol.LOOK.default,
        protocol.METHOD.default,
        protocol.VARIANTS.default,
        protocol.SEED.default,
    )
    high = parser.parse_args(
        ["interpolate", "--mask-a", "a", "--mask-b", "b", "--output", "o", "--steps", str(protocol.STEPS.high)]
    )
    assert high.steps == protocol.STEPS.high


def test_the_cli_refuses_one_past_a_range(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(
            [
                "variants",
                "--image",
                "p",
                "--mask",
                "m",
                "--edited-mask",
                "e",
                "--output",
                "o",
                "--n",
                str(protocol.VARIANTS.high + 1),
            ]
        )
    assert (
        f"must be between 1 and {protocol.VARIANTS.high}, got {protocol.VARIANTS.high + 1}" in capsys.readouterr().err
    )


class Store(dict):
    def readSetting(self, group, name, default):
        return self.get(name, default)

    def writeSetting(self, group, name, value):
        self[name] = value


def test_the_plug_in_settings_stay_inside_what_the_daemon_takes():
    settings = Settings(Store(feather="100000", look="-7", variants="99"))
    assert (settings.feather, settings.look, settings.variants) == (
        protocol.FEATHER.high,
        protocol.LOOK.low,
        protocol.VARIANTS.high,
    )
    assert Settings(Store()).method == protocol.METHOD.default


def test_routes_read_biggest_part_first_in_the_order_they_are_tried():
    routes = {"generated": {"hair": 5}, "moved": {"u_lip": 10, "l_lip": 30}, "transferred": {}, "drawn": {"eye_g": 1}}
    assert protocol.describe_routes(routes, NAMES) == "moved lower lip, upper lip; drawn eyeglasses; generated hair"
    assert protocol.describe_routes({}, NAMES) == ""
    assert protocol.describe_routes({"moved": {"not_a_class": 3}}, NAMES) == ""


def test_the_cli_offers_the_devices_and_precisions_the_engine_takes():
    from maskgan.core import precision
    from maskgan_cli import options

    assert (options.DEVICES, options.PRECISIONS) == (precision.DEVICES, precision.PRECISIONS)
