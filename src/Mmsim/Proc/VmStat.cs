using Mmsim.Phys;
using Mmsim.Slab;

namespace Mmsim.Proc;

/// <summary>
/// The counters behind /proc/vmstat and part of /proc/meminfo: one value per
/// <see cref="VmStatItem"/>, as the kernel's vm_zone_stat/vm_node_stat/vm_numa_event/vm_events
/// arrays summed over CPUs. The model adds events with <see cref="Count"/> (count_vm_event()) and
/// adjusts counters with <see cref="Mod"/> (mod_node_page_state()); <see cref="FromRecord"/> seeds
/// the items the model does not simulate from a recorded file.
/// </summary>
public sealed class VmStat
{
    private readonly long[] _v = new long[(int)VmStatItem.Count];

    /// <summary>The value of one item.</summary>
    public long this[VmStatItem item]
    {
        get => _v[(int)item];
        set => _v[(int)item] = value;
    }

    /// <summary>count_vm_event() / count_vm_events(): adds <paramref name="n"/> to an event.</summary>
    public void Count(VmStatItem item, long n = 1) => _v[(int)item] += n;

    /// <summary>mod_*_page_state(): adds a signed delta to a counter.</summary>
    public void Mod(VmStatItem item, long delta) => _v[(int)item] += delta;

    /// <summary>The values in kernel order.</summary>
    public ReadOnlySpan<long> Values => _v;

    /// <summary>
    /// Sets the items the physical-memory model knows: nr_free_pages (and nr_free_pages_blocks, the
    /// free pages in blocks of pageblock order and up), and, when given, the slab page counters.
    /// </summary>
    public void SetFromPhys(PhysMem mem, SlabCaches? slabs = null)
    {
        this[VmStatItem.NrFreePages] = mem.FreePages;
        long blocks = 0;
        foreach (Zone z in mem.Zones)
        {
            for (int order = PhysMem.PageblockOrder; order < PhysMem.NrPageOrders; order++)
            {
                blocks += z.NrFree(order) << order;
            }
        }
        this[VmStatItem.NrFreePagesBlocks] = blocks;
        if (slabs is not null)
        {
            (long rec, long unrec) = slabs.Pages();
            this[VmStatItem.NrSlabReclaimable] = rec;
            this[VmStatItem.NrSlabUnreclaimable] = unrec;
        }
    }

    /// <summary>Reads a /proc/vmstat text: every known name sets its item. Throws
    /// <see cref="FormatException"/> on a malformed value.</summary>
    public static VmStat FromRecord(string vmstat)
    {
        var s = new VmStat();
        var index = new Dictionary<string, int>(VmStatNames.All.Length);
        for (int i = 0; i < VmStatNames.All.Length; i++)
        {
            index[VmStatNames.All[i]] = i;
        }
        foreach (string line in vmstat.Split('\n'))
        {
            int sp = line.IndexOf(' ');
            if (sp > 0 && index.TryGetValue(line[..sp], out int i))
            {
                s._v[i] = (long)ulong.Parse(line.AsSpan(sp + 1), System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        return s;
    }
}
