"""The shapes a demo sandbox can take: the layouts FindFace Multi installations take in the field.

`ffwizard demo --shape NAME` builds a sandbox in one of them, so that an engineer can rehearse on
the shape of their site: the migrated ones end to end, the refused ones up to ffwizard's one
sentence. The default, `vendor`, is the vendor's layout (what every other test builds).

To add a shape: a module in `ffwizard/demo/siteshapes/` with its `rewrite`/`finish` functions
(see `ffwizard.demo.sandbox.Shape`) and one line in SHAPES below; a row in the README's table.
"""

from __future__ import annotations

from ffwizard.core.errors import UserError
from ffwizard.demo.sandbox import DEFAULT_SHAPE, VENDOR, Shape
from ffwizard.demo.siteshapes import (
    crlf,
    direct_model,
    distributed,
    multi_20,
    oneport,
    renamed,
    replicas,
    symlinked_configs,
    systemd_era_model,
)
from ffwizard.i18n import N_, _

SHAPES: tuple[Shape, ...] = (
    VENDOR,

    # --- shapes of the files: forms of a key, line endings, links, other generations --------
    Shape("direct-model", N_("FindFace Multi 2.2's extraction config: each model file directly "
                             "under its key (face_emben: face/<model>.gpu.fnk), models_root at "
                             "the top level"), rewrite=direct_model.rewrite),
    Shape("crlf", N_("the compose file and the configs saved with Windows line endings (CRLF)"),
          rewrite=crlf.rewrite),
    Shape("symlinked-configs", N_("the compose file and the configs are symbolic links into "
                                  "another directory"), finish=symlinked_configs.finish),
    Shape("systemd-era-model", N_("an extraction config of FindFace Security 4.x / Multi 1.x: "
                                  "models keyed face:, body:, car: without _emben"),
          migrated=False, rewrite=systemd_era_model.rewrite),
    Shape("multi-2.0", N_("FindFace Multi 2.0: each shard service configured by its own "
                          "shard-NNN.lua file, without CFG_/TT_ environment"),
          migrated=False, rewrite=multi_20.rewrite),
    Shape("distributed", N_("the application server of a distributed installation: the shards "
                            "on a DB server, the extraction servers behind a balancer"),
          migrated=False, rewrite=distributed.rewrite, finish=distributed.finish),

    # --- shapes of the services: how the shards and tools are reached at run time -----------
    Shape("replicas", N_("each shard with a replica (a second tntapi), listed as sf-api's slave"),
          rewrite=replicas.rewrite, finish=replicas.finish),
    Shape("replicas-remote", N_("the shards' replicas on another host (the DB server)"),
          migrated=False, rewrite=replicas.rewrite_remote),
    Shape("one-port", N_("every shard on port 8001 of its own container address, by service "
                         "name; no shard port on the host"), rewrite=oneport.rewrite),
    Shape("one-port-replicas", N_("one port for every shard, each with a replica"),
          rewrite=oneport.rewrite_with_replicas, finish=replicas.finish),
    Shape("renamed-project", N_("a compose project named otherwise than its directory, named "
                                "by no file: found from the containers' labels"),
          rewrite=renamed.rewrite, project=renamed.PROJECT),

)

BY_NAME: dict[str, Shape] = {shape.name: shape for shape in SHAPES}


def shape_names() -> list[str]:
    return [shape.name for shape in SHAPES]  # == ffwizard.demo.SHAPE_NAMES (a test says so)


def shape_named(name: str | None) -> Shape:
    """The shape called `name` (the vendor's when None); one sentence for an unknown name."""
    shape = BY_NAME.get(name or DEFAULT_SHAPE)
    if shape is None:
        raise UserError(_("there is no demo shape {name}: choose one of {names}").format(
            name=repr(name), names=", ".join(shape_names())))
    return shape
