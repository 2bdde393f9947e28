module trinity-delivery/e2e-toolchain/pause

go 1.26.0

tool trinity-delivery/e2e-toolchain/pause
