"""Qt-free core: catalog, spec, builder, analysis, code generation (torch, numpy, stdlib)."""
