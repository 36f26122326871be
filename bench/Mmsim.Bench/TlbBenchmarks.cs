using BenchmarkDotNet.Attributes;
using Mmsim.Arch.X86;
using Mmsim.Mm;
using Mmsim.Tlb;

namespace Mmsim.Bench;

/// <summary>
/// The MMU's translation throughput (the work of <see cref="TlbBench"/>, which
/// <c>mmsim bench paging</c> times too): an L1 dTLB hit, and a miss in every level followed by
/// a walk, through the synthetic identity walker and through a dictionary of 65,536 pages (the
/// tests' fake). One operation is one <see cref="Machine.Access(int, ulong, AccessKind)"/> on
/// the default Skylake geometry, for each replacement policy. The baseline of each category is
/// this machine's own MMU doing the same reads of real memory (a populated 256 MiB region of
/// the benchmark process, 4 KiB pages): a load that hits the dTLB, and one that misses the TLBs
/// and walks (the hardware's paging-structure caches included, which the model leaves out).
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkDotNet.Configs.BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public unsafe class TlbBenchmarks
{
    private const int Ops = 4096;
    private const int RegionPages = 1 << 16;
    private Machine? _hit;
    private Machine? _miss;
    private Machine? _missDictionary;
    private byte* _region;
    private long _next;

    [Params(TlbReplacement.PseudoLru, TlbReplacement.Lru, TlbReplacement.Random)]
    public TlbReplacement Policy { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _hit = TlbBench.CreateMachine(TlbConfig.Skylake(Policy));
        TlbBench.RunHits(_hit, Ops);
        _miss = TlbBench.CreateMachine(TlbConfig.Skylake(Policy));
        _missDictionary = TlbBench.CreateMachine(TlbConfig.Skylake(Policy), new DictionaryPageWalker(TlbBench.Base, 1 << 16));
        const int ProtReadWrite = 3;
        const int MapPrivateAnonymousPopulate = 0x02 | 0x20 | 0x8000;
        long addr = Mmsim.Cli.NativeMm.Mmap(0, (ulong)RegionPages << 12, ProtReadWrite, MapPrivateAnonymousPopulate);
        if (addr < 0)
        {
            throw new InvalidOperationException($"mmap of the hardware region failed: {addr}");
        }
        _region = (byte*)addr;
        for (long i = 0; i < RegionPages; i++)
        {
            _region[i << 12] = 1;   // written: no zero-page sharing, every page its own frame
        }
    }

    [GlobalCleanup]
    public void Cleanup() => Mmsim.Cli.NativeMm.Munmap((ulong)_region, (ulong)RegionPages << 12);

    /// <summary>This machine's MMU: loads cycling over 16 pages, all dTLB hits.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Ops)]
    [BenchmarkCategory("hit")]
    public long HardwareHit()
    {
        byte* r = _region;
        long sum = 0;
        for (long i = 0; i < Ops; i++)
        {
            // A different cache line in each page (the same offset in 16 pages would be 16 lines
            // of one 8-way L1d set, missing the cache); the sum is returned: no load is left out.
            long page = i & 15;
            sum += r[(page << 12) + (page << 6) + 8];
        }
        return sum;
    }

    /// <summary>Reads cycling over 16 pages: all L1 dTLB hits.</summary>
    [Benchmark(OperationsPerInvoke = Ops)]
    [BenchmarkCategory("hit")]
    public long Hit() => TlbBench.RunHits(_hit!, Ops);

    /// <summary>This machine's MMU: loads walking forward over 65536 pages (more than its TLBs hold), each missing them.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Ops)]
    [BenchmarkCategory("miss")]
    public long HardwareMiss()
    {
        byte* r = _region;
        long sum = 0;
        long next = _next;
        for (long i = 0; i < Ops; i++, next++)
        {
            long page = next & (RegionPages - 1);
            sum += r[(page << 12) + ((page & 63) << 6)];
        }
        _next = next;
        return sum;
    }

    /// <summary>Reads of pages not cached anywhere: L1, STLB miss, identity walk, two fills.</summary>
    [Benchmark(OperationsPerInvoke = Ops)]
    [BenchmarkCategory("miss")]
    public long MissIdentityWalk() => TlbBench.RunMisses(_miss!, Ops);

    /// <summary>As <see cref="MissIdentityWalk"/>, the walk being a dictionary lookup.</summary>
    [Benchmark(OperationsPerInvoke = Ops)]
    [BenchmarkCategory("miss")]
    public long MissDictionaryWalk() => TlbBench.RunMisses(_missDictionary!, Ops);

    /// <summary>A fake walker: one dictionary lookup per walk, 4 table reads charged.</summary>
    private sealed class DictionaryPageWalker : IPageWalker
    {
        private readonly Dictionary<ulong, Translation> _pages = new();

        public DictionaryPageWalker(ulong start, int pages)
        {
            for (int i = 0; i < pages; i++)
            {
                ulong va = start + ((ulong)i << 12);
                _pages[va >> 12] = new Translation((ulong)i + 0x1000, 12, Writable: true, User: true, NoExecute: false, Global: false, Dirty: true);
            }
        }

        public WalkFault Walk(MmStruct mm, ulong va, AccessKind kind, out Translation translation, ref int memoryRefs)
        {
            memoryRefs += 4;
            return _pages.TryGetValue(va >> 12, out translation) ? WalkFault.None : WalkFault.NotPresent;
        }
    }
}
