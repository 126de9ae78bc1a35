# Shared by the mpirun tests: arguments, skips and helpers. Sourced, not run.
# Usage of a test: <test>.sh NASH_BINARY MPIRUN [args...]; exit 77 (ctest: skipped) when nash was
# built without MPI (MPIRUN empty) or Fashion-MNIST is not installed.
set -euo pipefail
nash=$1
mpirun_bin=${2:-}
shift 2
if [[ -z $mpirun_bin || ! -x $mpirun_bin ]]; then
  echo "SKIP: nash was built without MPI (apt-get install libopenmpi-dev openmpi-bin, re-run cmake)"
  exit 77
fi
fashion=/usr/share/datasets/fashion-mnist
if [[ ! -e $fashion/train-images-idx3-ubyte && ! -e $fashion/train-images-idx3-ubyte.gz ]]; then
  echo "SKIP: Fashion-MNIST is not installed (dataset-fashion-mnist)"
  exit 77
fi
# Open MPI takes the directory of an absolute mpirun path as its --prefix, and refuses "/" (CMake
# may find /bin/mpirun on merged-/usr systems): run the one on PATH when it is there.
if command -v mpirun > /dev/null; then mpirun_bin=$(command -v mpirun); fi
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_WAIT_POLICY=passive
# Two ranks on a shared 2-core box: no pinning, and ranks yield while they wait (--oversubscribe).
mpi() { "$mpirun_bin" --allow-run-as-root --oversubscribe --bind-to none -np "$@"; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The metrics without their last column (seconds: wall time differs between runs).
metrics() { sed 's/,[^,]*$//' "$1/metrics.csv"; }
