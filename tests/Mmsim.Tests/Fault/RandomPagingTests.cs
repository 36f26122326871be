using Mmsim.Mm;
using Mmsim.Pgtable;
using Mmsim.Tlb;
using static Mmsim.Tests.Fault.PagingKit;
using static Mmsim.Tests.Mm.MmKit;
using Task = Mmsim.Process.Task;

namespace Mmsim.Tests.Fault;

/// <summary>
/// Seeded random sequences over up to four processes on a 16 MiB machine: anonymous, file
/// (private and shared, partly past the end of the file), shared anonymous and huge-page
/// areas; touches of every kind, munmap, mprotect, mremap, madvise, mlock, fork and exit.
/// After every step the whole machine is validated (entries inside VMAs and allowed by them,
/// RSS counters, table counts, every frame's mapcount and refcount, and every tenth step smaps
/// against the counters and PSS against the frames); at the end every task
/// exits and every frame but the machine's own and the page cache's must be free.
/// </summary>
public sealed class RandomPagingTests
{
    private const int Window = 256;
    private const ulong HugeBase = 0x40000000;

    [Theory]
    [InlineData(PagingMode.FourLevel, 1)]
    [InlineData(PagingMode.FourLevel, 2)]
    [InlineData(PagingMode.FiveLevel, 3)]
    [InlineData(PagingMode.TwoLevel, 4)]
    [InlineData(PagingMode.Pae, 5)]
    public void RandomSequencesKeepTheMachineConsistent(PagingMode mode, int seed)
    {
        var (k, first) = NewMachine(mib: 16, mode);
        var rng = new Random(seed);
        var tasks = new List<Task> { first };
        int nextPid = 2;
        var file = NewInode("/data/f", 48);
        int[] prots = [None, R, Rw, Rx, Rw];
        var log = new List<string>();
        for (int step = 0; step < 1000; step++)
        {
            Task t = tasks[rng.Next(tasks.Count)];
            MmStruct mm = t.Mm();
            bool huge = rng.Next(4) == 0;
            ulong baseAddr = huge ? HugeBase : Base;
            int span = huge ? 1024 : Window;
            int at = rng.Next(span);
            int n = 1 + rng.Next(Math.Min(huge ? 600 : 24, span - at));
            ulong addr = baseAddr + ((ulong)at * P);
            ulong len = Pages(n);
            int prot = prots[rng.Next(prots.Length)];
            int op = rng.Next(16);
            log.Add($"{step} pid {t.Pid} op {op} {addr:x} n {n} prot {prot}");
            switch (op)
            {
                case 0 when huge:
                    // A whole aligned 2 MiB block, often with MADV_HUGEPAGE: THP territory.
                    ulong block = HugeBase + ((ulong)rng.Next(2) << 21);
                    mm.Mmap(block, 2UL << 20, Rw, AnonFixed, null, 0);
                    if (rng.Next(3) != 0)
                    {
                        mm.Madvise(block, 2UL << 20, Madv.HugePage);
                    }
                    break;
                case 0:
                    mm.Mmap(addr, len, prot, AnonFixed, null, 0);
                    break;
                case 1:
                    mm.Mmap(addr, len, prot, (rng.Next(2) == 0 ? MapFlags.Shared : MapFlags.Private) | MapFlags.Fixed,
                        OpenFile(file), Pages(rng.Next(40)));
                    break;
                case 2:
                    mm.Mmap(addr, len, prot, MapFlags.Shared | MapFlags.Anonymous | MapFlags.Fixed, null, 0);
                    break;
                case 3:
                    mm.Munmap(addr, len);
                    break;
                case 4:
                    mm.Mprotect(addr, len, prot);
                    break;
                case 5:
                    ulong to = baseAddr + ((ulong)rng.Next(span) * P);
                    mm.Mremap(addr, len, Pages(1 + rng.Next(n + 8)), MremapFlags.MayMove | (rng.Next(2) == 0 ? MremapFlags.Fixed : 0), to);
                    break;
                case 6:
                    int[] advice = [Madv.DontNeed, Madv.Free, Madv.WillNeed, Madv.HugePage, Madv.NoHugePage,
                        Madv.DontFork, Madv.DoFork, Madv.WipeOnFork, Madv.PopulateRead, Madv.PopulateWrite];
                    mm.Madvise(addr, len, advice[rng.Next(advice.Length)]);
                    break;
                case 7:
                    if (rng.Next(2) == 0)
                    {
                        mm.Mlock(addr, len);
                    }
                    else
                    {
                        mm.Munlock(addr, len);
                    }
                    break;
                case 8:
                    if (tasks.Count < 4)
                    {
                        tasks.Add(k.Clone(t, nextPid++, shareVm: false, thread: false, shareFiles: false));
                    }
                    break;
                case 9:
                    if (tasks.Count > 1)
                    {
                        k.Exit(t);
                        tasks.Remove(t);
                    }
                    break;
                default:
                    for (int i = 0; i < 4; i++)
                    {
                        ulong a = addr + ((ulong)rng.Next(n) * P) + (ulong)rng.Next(4096);
                        k.Access(t, a, (AccessKind)rng.Next(3));
                    }
                    break;
            }
            try
            {
                k.Validate();
                if (step % 10 == 0)
                {
                    CheckSmapsAgree(k, tasks);
                }
            }
            catch (ModelBugException e)
            {
                Assert.Fail($"{mode} seed {seed} step {step}: {e.Message}\n{string.Join('\n', log.TakeLast(12))}\n{t.Mm().Maps(anon: true)}");
            }
        }
        // The run did exercise the paths: pages, huge pages (not in 2-level mode), the cache.
        Assert.True(k.Paging!.Phys.Allocations > 300, $"allocations {k.Paging.Phys.Allocations}");
        Assert.True(k.Paging.Cache.NrPages > 0);
        Assert.Equal(mode != PagingMode.TwoLevel, k.Paging.ThpFaultAlloc > 0);
        foreach (Task t in tasks)
        {
            k.Exit(t);
        }
        k.Validate();
        Assert.Equal(0, k.Paging!.Store.TablesInUse);
        Assert.Equal(k.Paging.Phys.TotalManaged - k.Paging.KernelFrames - k.Paging.Cache.NrPages, k.Paging.Phys.FreePages);
    }

    /// <summary>
    /// smaps agrees with the counters: each mm's Rss is its RSS counters' sum (VmRSS), and the
    /// PSS of all processes adds up to the distinct frames they map (to rounding).
    /// </summary>
    private static void CheckSmapsAgree(Mmsim.Process.Kernel k, List<Task> tasks)
    {
        ulong pss = 0;
        long mappings = 0;
        var frames = new HashSet<int>();
        foreach (Task t in tasks)
        {
            Mmsim.Proc.MemSizeStats mss = Mmsim.Proc.SmapsGather.GatherRollup(t.Mm());
            if (mss.Resident != (ulong)t.Pg().Rss * P)
            {
                throw new ModelBugException($"smaps Rss {mss.Resident} but the counters say {t.Pg().Rss} pages");
            }
            pss += mss.Pss;
            for (Vma? v = t.Mm().Vmas.First; v is not null; v = v.Next)
            {
                for (ulong a = v.Start; a < v.End; a += P)
                {
                    ulong e = t.Pg().EntryAt(a, out _);
                    if (PgtableTypes.IsPresent(e) && (e & PgtableTypes.Special) == 0)
                    {
                        frames.Add((int)PgtableTypes.EntryPfn(e) + (PgtableTypes.IsLeaf(e) ? (int)((a >> 12) & 511) : 0));
                        mappings++;
                    }
                }
            }
        }
        ulong expected = (ulong)frames.Count * P << Mmsim.Proc.MemSizeStats.PssShift;
        if (pss > expected || expected - pss > (ulong)mappings)
        {
            throw new ModelBugException($"PSS sums to {pss}, {frames.Count} distinct frames give {expected}");
        }
    }
}
