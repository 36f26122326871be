using System.Buffers.Binary;
using Mmsim.Mm;
using Mmsim.Proc;

namespace Mmsim.Tests.Proc;

/// <summary>/proc/PID/pagemap against the entries a real process read of its own regions.</summary>
public sealed class ProcPagemapTests
{
    private static List<(string Name, ulong Start, ulong End, ulong[] Entries)> Regions()
    {
        byte[] bin = File.ReadAllBytes(ProcFixtures.Machine(Path.Combine("procself", "pagemap.bin")));
        var list = new List<(string, ulong, ulong, ulong[])>();
        int off = 0;
        foreach (string line in File.ReadLines(ProcFixtures.Machine(Path.Combine("procself", "regions"))))
        {
            string[] f = line.Split(' ');
            ulong start = Convert.ToUInt64(f[1], 16);
            ulong end = Convert.ToUInt64(f[2], 16);
            var e = new ulong[(end - start) >> Page.Shift];
            for (int i = 0; i < e.Length; i++, off += 8)
            {
                e[i] = BinaryPrimitives.ReadUInt64LittleEndian(bin.AsSpan(off, 8));
            }
            list.Add((f[0], start, end, e));
        }
        Assert.Equal(bin.Length, off);
        return list;
    }

    [Fact]
    public void RealEntriesRoundTrip()
    {
        // 3388 entries: decoded to PagemapPage facts and encoded again, bit for bit; without
        // CAP_SYS_ADMIN the same facts lose their frame.
        int n = 0;
        foreach ((string _, ulong _, ulong _, ulong[] entries) in Regions())
        {
            foreach (ulong e in entries)
            {
                PagemapPage p = ProcPagemap.Decode(e);
                Assert.Equal(e, ProcPagemap.Encode(p, showPfn: true));
                Assert.Equal(e & ~ProcPagemap.PfnMask, ProcPagemap.Encode(p, showPfn: false));
                n++;
            }
        }
        Assert.Equal(3388, n);
    }

    [Fact]
    public void RealEntriesMeanWhatTheModelSays()
    {
        Dictionary<string, ulong[]> r = Regions().ToDictionary(x => x.Name, x => x.Entries);
        // thp: 8 MiB with MADV_HUGEPAGE, one byte written in an aligned 2 MiB block: 512
        // consecutive frames of one exclusive anonymous THP, nothing else.
        ulong[] thp = r["thp"];
        int first = Array.FindIndex(thp, e => e != 0);
        for (int i = 0; i < 512; i++)
        {
            Assert.Equal(thp[first] + (ulong)i, thp[first + i]);
        }
        Assert.Equal(512, thp.Count(e => e != 0));
        Assert.Equal(0UL, ProcPagemap.Decode(thp[first]).Pfn & 511);
        Assert.Equal(ProcPagemap.Present | ProcPagemap.MmapExclusive, thp[first] & ~ProcPagemap.PfnMask);
        // shared anonymous memory is shmem: "file" pages.
        Assert.Equal(ProcPagemap.Present | ProcPagemap.File | ProcPagemap.MmapExclusive, r["shanon"][0] & ~ProcPagemap.PfnMask);
        // The guard page is a PTE marker: swap type 31, offset PTE_MARKER_GUARD.
        Assert.Equal(ProcPagemap.Encode(PagemapPage.GuardMarker(), true), r["guard"][5]);
        Assert.Equal(0x440000000000009fUL, r["guard"][5]);
        // A private file page mapped by three VMAs of the process (fault-around) is not exclusive;
        // a COWed page of a private file mapping is anonymous and exclusive.
        Assert.Equal(ProcPagemap.Present | ProcPagemap.File, r["fpriv"][1] & ~ProcPagemap.PfnMask);
        Assert.Equal(ProcPagemap.Present | ProcPagemap.MmapExclusive, r["fcow"][0] & ~ProcPagemap.PfnMask);
        // mlock() populates; MADV_NOHUGEPAGE memory never touched stays empty.
        Assert.All(r["locked"], e => Assert.NotEqual(0UL, e & ProcPagemap.Present));
        Assert.All(r["nohg"], e => Assert.Equal(0UL, e));
    }

    [Fact]
    public void ReadWalksVmasAndHoles()
    {
        //   0x10000   0x12000  0x13000   0x15000
        //   | vma A  | hole   |  vma B   |
        // A: page 0 present pfn 0x1234 anon; B: page 1 swapped (type 0, offset 7).
        var mm = new MmStruct(MmConfig.Default);
        mm.Vmas.Insert(new Vma(0x10000, 0x12000, VmFlags.DataDefault | VmFlags.SoftDirty, 0x10, null));
        mm.Vmas.Insert(new Vma(0x13000, 0x15000, VmFlags.DataDefault, 0x13, null));
        PagemapPage Of(Vma v, ulong a) => a switch
        {
            0x10000 => PagemapPage.Present(0x1234, file: false, exclusive: true),
            0x14000 => PagemapPage.Swapped(0, 7),
            _ => default,
        };
        var buf = new byte[5 * 8];
        Assert.Equal(40, ProcPagemap.Read(mm, Of, 0x10 * 8, buf));
        ulong E(int i) => BinaryPrimitives.ReadUInt64LittleEndian(buf.AsSpan(i * 8));
        Assert.Equal(ProcPagemap.Present | ProcPagemap.MmapExclusive | 0x1234, E(0));
        Assert.Equal(0UL, E(1));
        Assert.Equal(0UL, E(2));
        Assert.Equal(0UL, E(3));
        Assert.Equal(ProcPagemap.Swap | (7UL << 5), E(4));
        Assert.Equal(-Errno.EINVAL, ProcPagemap.Read(mm, Of, 4, buf));
        Assert.Equal(40, ProcPagemap.Read(mm, Of, 0x10 * 8, buf, showPfn: false));
        Assert.Equal(ProcPagemap.Present | ProcPagemap.MmapExclusive, E(0));
    }
}
