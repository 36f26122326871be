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
/// the default Skylake geometry, for each replacement policy.
/// </summary>
[MemoryDiagnoser]
public class TlbBenchmarks
{
    private const int Ops = 4096;
    private Machine? _hit;
    private Machine? _miss;
    private Machine? _missDictionary;

    [Params(TlbReplacement.PseudoLru, TlbReplacement.Lru, TlbReplacement.Random)]
    public TlbReplacement Policy { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _hit = TlbBench.CreateMachine(TlbConfig.Skylake(Policy));
        TlbBench.RunHits(_hit, Ops);
        _miss = TlbBench.CreateMachine(TlbConfig.Skylake(Policy));
        _missDictionary = TlbBench.CreateMachine(TlbConfig.Skylake(Policy), new DictionaryPageWalker(TlbBench.Base, 1 << 16));
    }

    /// <summary>Reads cycling over 16 pages: all L1 dTLB hits.</summary>
    [Benchmark(OperationsPerInvoke = Ops)]
    public long Hit() => TlbBench.RunHits(_hit!, Ops);

    /// <summary>Reads of pages not cached anywhere: L1, STLB miss, identity walk, two fills.</summary>
    [Benchmark(OperationsPerInvoke = Ops)]
    public long MissIdentityWalk() => TlbBench.RunMisses(_miss!, Ops);

    /// <summary>As <see cref="MissIdentityWalk"/>, the walk being a dictionary lookup.</summary>
    [Benchmark(OperationsPerInvoke = Ops)]
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
