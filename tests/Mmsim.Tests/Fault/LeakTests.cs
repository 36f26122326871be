using Mmsim.Mm;
using Mmsim.Pgtable;
using Mmsim.Tlb;
using static Mmsim.Tests.Fault.PagingKit;
using static Mmsim.Tests.Mm.MmKit;

namespace Mmsim.Tests.Fault;

/// <summary>
/// Exit returns every frame: after a workload of anonymous, file, shared and huge pages, forks,
/// copy-on-write, partial unmaps, mprotect and mremap, once every task has exited only the
/// machine's own frames (zero pages, vDSO) and the page cache remain allocated; dropping the
/// caches leaves only the machine's own. Run in every paging mode.
/// </summary>
public sealed class LeakTests
{
    [Theory]
    [InlineData(PagingMode.FourLevel)]
    [InlineData(PagingMode.FiveLevel)]
    [InlineData(PagingMode.TwoLevel)]
    [InlineData(PagingMode.Pae)]
    public void ExitReturnsEveryFrameAndTable(PagingMode mode)
    {
        var (k, t) = NewMachine(mib: 64, mode);
        long managed = k.Paging!.Phys.TotalManaged;
        MmStruct mm = t.Mm();
        // 0..7 anon rw, 8..15 file private, 16..19 shared anon, 0x40000000: 4 MiB THP area
        mm.MapAt(0, 8);
        var file = NewInode("/lib/x", 8);
        mm.MapAt(8, 8, Rw, MapFlags.Private | MapFlags.Fixed, OpenFile(file));
        mm.MapAt(16, 4, Rw, MapFlags.Shared | MapFlags.Anonymous | MapFlags.Fixed);
        ulong huge = 0x40000000;
        Assert.Equal((long)huge, mm.Checked(mm.Mmap(huge, 4UL << 20, Rw, AnonFixed, null, 0)));
        Assert.Equal(0, mm.Madvise(huge, 4UL << 20, Madv.HugePage));
        for (int i = 0; i < 20; i++)
        {
            k.Touch(t, i, i % 3 == 0 ? AccessKind.Read : AccessKind.Write);
        }
        k.Access(t, huge, AccessKind.Write);
        k.Access(t, huge + (2UL << 20), AccessKind.Read);
        Mmsim.Process.Task c = k.Clone(t, 2, shareVm: false, thread: false, shareFiles: false);
        Mmsim.Process.Task g = k.Clone(c, 3, shareVm: false, thread: false, shareFiles: false);
        for (int i = 0; i < 20; i += 2)
        {
            k.Touch(c, i);
            k.Touch(g, i + 1);
        }
        k.Access(c, huge + 0x3000, AccessKind.Write);
        c.Mm().UnmapAt(2, 3);
        c.Mm().ProtectAt(8, 4, R);
        Assert.Equal((long)Col(60), c.Mm().Checked(c.Mm().Mremap(Col(12), Pages(4), Pages(4),
            MremapFlags.MayMove | MremapFlags.Fixed, Col(60))));
        Assert.Equal(0, g.Mm().Munmap(huge + 0x1000, 0x2000));
        k.Validate();
        k.Exit(t);
        k.Validate();
        k.Exit(g);
        k.Exit(c);
        k.Validate();
        Assert.Equal(0, k.Paging.Store.TablesInUse);
        long cached = k.Paging.Cache.NrPages;
        Assert.Equal(managed - k.Paging.KernelFrames - cached, k.Paging.Phys.FreePages);
        k.Paging.Cache.Sync();
        Assert.Equal(cached, k.Paging.Cache.DropCaches());
        Assert.Equal(managed - k.Paging.KernelFrames, k.Paging.Phys.FreePages);
    }

    [Fact]
    public void ThirtyTwoBitLayoutFollowsTheMode()
    {
        // i386/PAE: TASK_SIZE 0xc0000000 (3G/1G), legacy base TASK_SIZE/3, stack at the top.
        MmConfig c = MmConfig.ForMode(PagingMode.Pae);
        Assert.Equal((0xc0000000UL, 0xc0000000UL), (c.TaskSize, c.DefaultMapWindow));
        MmConfig five = MmConfig.ForMode(PagingMode.FiveLevel);
        Assert.Equal(((1UL << 56) - 4096, 0x7ffffffff000UL), (five.TaskSize, five.DefaultMapWindow));
        Assert.Equal(MmConfig.Default, MmConfig.ForMode(PagingMode.FourLevel));
        var mm = new MmStruct(c);
        Binfmt.BinfmtElf.PickMmapLayout(mm);
        // The top-down base: TASK_SIZE minus the gap (8 MiB stack + 1 MiB guard, raised to 128 MiB).
        Assert.Equal((0x40000000UL, 0xb8000000UL), (mm.MmapLegacyBase, mm.MmapBase));
        // ELF_ET_DYN_BASE: 0x400000 for ia32, two thirds of the 47-bit window otherwise.
        Assert.Equal(0x400000UL, Binfmt.BinfmtElf.ElfEtDynBase(mm));
        Assert.Equal(0x555555554aaaUL, Binfmt.BinfmtElf.ElfEtDynBase(new MmStruct(MmConfig.Default)));
    }

    [Fact]
    public void ValidateCatchesAMapcountThatDisagrees()
    {
        var (k, t) = NewMachine();
        t.Mm().MapAt(0, 1);
        k.Touch(t, 0);
        k.Paging!.Phys.Frame(t.PfnAt(0)).MapCount++;
        Assert.Throws<ModelBugException>(k.Validate);
    }
}
