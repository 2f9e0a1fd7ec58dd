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
from ffwizard.demo.siteshapes import oneport, renamed, replicas
from ffwizard.i18n import N_, _

SHAPES: tuple[Shape, ...] = (
    VENDOR,

    # --- shapes of the files: forms of a key, line endings, links, other generations --------

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
    return [shape.name for shape in SHAPES]


def shape_named(name: str | None) -> Shape:
    """The shape called `name` (the vendor's when None); one sentence for an unknown name."""
    shape = BY_NAME.get(name or DEFAULT_SHAPE)
    if shape is None:
        raise UserError(_("there is no demo shape {name}: choose one of {names}").format(
            name=repr(name), names=", ".join(shape_names())))
    return shape
