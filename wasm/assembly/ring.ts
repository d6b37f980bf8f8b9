// ring routines: see wasm/README.md for the ABI.
