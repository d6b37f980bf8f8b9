// zmtp routines: see wasm/README.md for the ABI.
