"""`maskgan install krita` / `maskgan uninstall krita`: put the plug-in into an editor."""

from __future__ import annotations

from pathlib import Path

from maskgan_cli.errors import CommandError


def add_commands(subparsers) -> None:
    install = subparsers.add_parser("install", help="install an editor plug-in (krita, gimp)")
    install.add_argument("editor", choices=["krita", "gimp"], help="the editor to install into")
    install.add_argument("--krita-dir", type=Path, help="Krita's resource folder (default: found per platform)")
    install.add_argument(
        "--gimp-dir", type=Path, help="GIMP 3's profile folder, which holds plug-ins/ (default: found per platform)"
    )
    install.add_argument(
        "--python-version",
        help="the editor's Python as X.Y (default: detected for distribution builds; "
        "required for Windows, macOS and AppImage builds, which bundle their own)",
    )
    install.add_argument(
        "--platform", choices=["linux", "windows", "macos"], help="target platform of the plug-in (default: this one)"
    )
    install.add_argument("--wheels", type=Path, help="folder of pre-downloaded pyzmq/msgpack/numpy wheels (offline)")
    install.add_argument("--zip", type=Path, help="build a zip for Krita's 'Import Python Plugin from File' instead")
    install.set_defaults(func=_install)

    uninstall = subparsers.add_parser("uninstall", help="remove an installed editor plug-in")
    uninstall.add_argument("editor", choices=["krita", "gimp"])
    uninstall.add_argument("--krita-dir", type=Path, help="Krita's resource folder (default: found per platform)")
    uninstall.add_argument("--gimp-dir", type=Path, help="GIMP 3's profile folder (default: found per platform)")
    uninstall.set_defaults(func=_uninstall)


_SYSTEMS = {"linux": "Linux", "windows": "Windows", "macos": "Darwin"}


def _install(args) -> int:
    if args.editor == "gimp":
        return _install_gimp(args)
    from maskgan_installer.krita_install import InstallError, InstallPlan, build_zip, install
    from maskgan_installer.krita_paths import (
        current_python_version,
        detect_krita_python_version,
        find_krita_location,
        wheel_platform_tags,
    )

    system = _SYSTEMS.get(args.platform) if args.platform else None
    python_version = args.python_version or (None if system else detect_krita_python_version())
    if python_version is None:
        if args.platform or args.zip:
            raise CommandError("pass --python-version X.Y: the Python that this Krita build embeds")
        python_version = current_python_version()
        print(f"Krita's Python not detected; assuming {python_version} (pass --python-version to choose)")
    plan = InstallPlan(
        location=find_krita_location(args.krita_dir),
        python_version=python_version,
        platforms=wheel_platform_tags(system),
        wheels=args.wheels,
    )
    try:
        if args.zip:
            print(f"wrote {build_zip(args.zip, plan)}")
            return 0
        receipt = install(plan)
    except InstallError as error:
        raise CommandError(str(error)) from error
    print(f"installed the MaskGAN plug-in for Python {python_version} into {plan.location.resources}")
    print(f"enabled it in {plan.location.kritarc}; restart Krita and open Settings > Dockers > MaskGAN")
    print(f"the plug-in starts the daemon with: {' '.join(receipt['daemon_command'])} start --detach")
    return 0


def _uninstall(args) -> int:
    if args.editor == "gimp":
        return _uninstall_gimp(args)
    from maskgan_installer.krita_install import InstallError, uninstall
    from maskgan_installer.krita_paths import find_krita_location

    location = find_krita_location(args.krita_dir)
    try:
        removed = uninstall(location)
    except InstallError as error:
        raise CommandError(str(error)) from error
    for path in removed:
        print(f"removed {path}")
    return 0


def _install_gimp(args) -> int:
    from maskgan_installer.gimp_install import GimpInstallPlan, install
    from maskgan_installer.gimp_paths import detect_gimp_python_version, find_gimp_profile
    from maskgan_installer.krita_paths import wheel_platform_tags
    from maskgan_installer.vendor import InstallError

    if args.zip:
        raise CommandError("--zip is for Krita only: GIMP 3 installs plug-ins by folder")
    system = _SYSTEMS.get(args.platform) if args.platform else None
    python_version = args.python_version or (None if system else detect_gimp_python_version())
    if python_version is None:
        raise CommandError(
            "GIMP 3's Python was not found (no pygimp.interp): pass --python-version X.Y, "
            "the Python that this GIMP build runs plug-ins with"
        )
    plan = GimpInstallPlan(find_gimp_profile(args.gimp_dir), python_version, wheel_platform_tags(system), args.wheels)
    try:
        install(plan)
    except InstallError as error:
        raise CommandError(str(error)) from error
    print(f"installed the MaskGAN plug-in for Python {python_version} into {plan.target}")
    print("restart GIMP 3: the procedures are under Filters > MaskGAN; start the daemon with `maskgan daemon start`")
    return 0


def _uninstall_gimp(args) -> int:
    from maskgan_installer.gimp_install import uninstall
    from maskgan_installer.gimp_paths import find_gimp_profile
    from maskgan_installer.vendor import InstallError

    try:
        removed = uninstall(find_gimp_profile(args.gimp_dir))
    except InstallError as error:
        raise CommandError(str(error)) from error
    for path in removed:
        print(f"removed {path}")
    return 0
