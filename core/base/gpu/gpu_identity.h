#pragma once
// Which node and which physical GPU a process trains on, as the health view matches `step` events (per rank)
// with `gpu` events (per node, NVML indices): ARCHITECTURE §5 and §7.
#include <string>

namespace studio {

/// This machine's host name (gethostname; "" when it fails). Any thread.
std::string localHostName();

/// The NVML (physical) index of CUDA device `cudaIndex` of this process: CUDA_VISIBLE_DEVICES renumbers
/// devices; -1 when it lists UUIDs or too few devices. Any thread.
int physicalGpuIndex(int cudaIndex);

}  // namespace studio
