"""Cold-start baseline: the interpreter alone, importing nothing, then its peak RSS."""

with open("/proc/self/status", encoding="ascii") as status:
    PEAK_KB = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
print('{"importAndClientMs": 0, "peakRssMb": %f}' % (PEAK_KB / 1024))
