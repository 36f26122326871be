using Mmsim.Phys;
using Mmsim.Proc;

namespace Mmsim.Tests.Proc;

/// <summary>/proc/meminfo and /proc/vmstat against the reference machine.</summary>
public sealed class ProcMeminfoTests
{
    private static string Read(string rel) => File.ReadAllText(ProcFixtures.Machine(rel));

    private static MeminfoValues Parse(string meminfo)
    {
        var v = new MeminfoValues();
        string[] lines = meminfo.TrimEnd('\n').Split('\n');
        Assert.Equal((int)MeminfoLine.Count, lines.Length);
        for (int i = 0; i < lines.Length; i++)
        {
            Assert.StartsWith(ProcMeminfo.Label((MeminfoLine)i), lines[i], StringComparison.Ordinal);
            v[(MeminfoLine)i] = ulong.Parse(lines[i][(lines[i].IndexOf(':') + 1)..].Replace(" kB", "").Trim());
        }
        return v;
    }

    [Theory]
    [InlineData("meminfo")]
    [InlineData("snap/meminfo")]
    public void MeminfoByteForByte(string rel)
    {
        string real = Read(rel);
        Assert.Equal(real, ProcMeminfo.Format(Parse(real)));
    }

    [Theory]
    [InlineData("vmstat")]
    [InlineData("snap/vmstat")]
    public void VmstatByteForByte(string rel)
    {
        // 192 lines, the names in kernel order.
        string real = Read(rel);
        Assert.Equal(real, ProcVmstat.Format(VmStat.FromRecord(real)));
        Assert.Equal(192, (int)VmStatItem.Count);
        Assert.Equal("pgfault", ProcVmstat.Names[(int)VmStatItem.Pgfault]);
        Assert.Equal("thp_fault_alloc", ProcVmstat.Names[(int)VmStatItem.ThpFaultAlloc]);
    }

    [Fact]
    public void MeminfoLinesDerivedFromVmstat()
    {
        // vmstat and meminfo read back to back: every line computed from vmstat counters equals the
        // real one. MemTotal/MemFree/MemAvailable depend on this machine's zones (not modelled:
        // see the README); nr_inactive_anon and nr_page_table_pages read 25 pages lower in vmstat
        // than in meminfo (per-cpu batches folded between the reads; the same on every retry).
        MeminfoValues real = Parse(Read("snap/meminfo"));
        VmStat stat = VmStat.FromRecord(Read("snap/vmstat"));
        MeminfoValues m = MeminfoValues.Compute(new PhysMem(), stat, real);
        int compared = 0;
        string diffs = "";
        for (var l = MeminfoLine.MemTotal; l < MeminfoLine.Count; l++)
        {
            if (l is MeminfoLine.MemTotal or MeminfoLine.MemFree or MeminfoLine.MemAvailable or MeminfoLine.PageTables
                or MeminfoLine.CommitLimit or MeminfoLine.Inactive or MeminfoLine.InactiveAnon)
            {
                continue;
            }
            if (real[l] != m[l])
            {
                diffs += $"{l}: real {real[l]} model {m[l]}; ";
            }
            compared++;
        }
        Assert.Equal("", diffs);
        Assert.Equal(47, compared);
        Assert.Equal(real[MeminfoLine.Inactive], real[MeminfoLine.InactiveAnon] + real[MeminfoLine.InactiveFile]);
        Assert.Equal(m[MeminfoLine.Inactive], m[MeminfoLine.InactiveAnon] + m[MeminfoLine.InactiveFile]);
        // CommitLimit: (totalram * 50 / 100) pages + swap: the model's 24684096 kB gives 12342048.
        Assert.Equal(12342048UL, m[MeminfoLine.CommitLimit]);
    }

    [Fact]
    public void MemAvailableOfTheSnapshot()
    {
        // From snap/zoneinfo: low watermarks DMA 50 + DMA32 10227 + Normal 10840 + Movable 32;
        // totalreserve = min(6219 + 60, 3840) + min(3200 + 12272, 772915) + min(0 + 13008, 819200);
        // MemFree 22805012 kB, file LRU 179832 + 182032, SReclaimable 27036 pages.
        long wmarkLow = 50 + 10227 + 10840 + MeminfoValues.MovableZoneLowWmark;
        long reserve = 3840 + (3200 + 12272) + 13008;
        long avail = MeminfoValues.SiMemAvailable(22805012 / 4, reserve, wmarkLow, 179832 + 182032, 27036);
        Assert.Equal(24092664, avail * 4);
    }

    [Fact]
    public void FreePagesFromTheBuddyAllocator()
    {
        // A 64 MiB machine: DMA and DMA32 free lists; nr_free_pages_blocks counts the pages in free
        // blocks of pageblock order (9) and up.
        var mem = new PhysMem(PhysMemConfig.OfSize(64UL << 20));
        var s = new VmStat();
        s.SetFromPhys(mem);
        Assert.Equal(mem.FreePages, s[VmStatItem.NrFreePages]);
        long blocks = 0;
        foreach (Zone z in mem.Zones)
        {
            blocks += (z.NrFree(9) << 9) + (z.NrFree(10) << 10);
        }
        Assert.Equal(blocks, s[VmStatItem.NrFreePagesBlocks]);
        s.Count(VmStatItem.Pgfault);
        s.Count(VmStatItem.Pgfault, 2);
        Assert.Contains("\npgfault 3\n", ProcVmstat.Format(s), StringComparison.Ordinal);
    }
}
