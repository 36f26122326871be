using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Mmsim.Tlb.Policies;

namespace Mmsim.Tlb;

/// <summary>
/// One set-associative TLB array: flat tag and data words, <c>[set * ways + way]</c>, and the
/// replacement state of its policy. The hot path (<see cref="Lookup"/>, <see cref="Touch(int, int, int)"/>)
/// allocates nothing and makes no interface call. This is the only place that knows the entry
/// layout:
/// <code>
///   tag:  63..16 virtual page number at the entry's size (va >> 12, 21 or 30)
///         15     G     global: matches under every PCID
///         14..13 size  0 = 4 KiB, 1 = 2 MiB, 2 = 1 GiB
///         12     V     valid (an empty way has tag 0)
///         11..0  PCID  (0 for global entries and in levels without PCID tagging)
///   data: 63..12 pfn of the page's first 4 KiB frame
///         6..5   size code, as in the tag
///         4 G    3 clean (D = 0)    2 NX    1 supervisor (U/S = 0)    0 read-only (RW = 0)
/// </code>
/// Bits 0..3 of the data are the reasons an access may be refused, so a permission check is
/// one AND with the access kind's mask (<see cref="ForbidRead"/> ...).
/// </summary>
internal sealed partial class TlbArray
{
    public const ulong Valid = 1UL << 12;
    public const ulong GlobalTag = 1UL << 15;
    public const int SizeShift = 13;
    public const int VpnShift = 16;
    public const ulong PcidMask = 0xFFF;

    public const ulong ReadOnly = 1UL << 0;
    public const ulong Supervisor = 1UL << 1;
    public const ulong NoExec = 1UL << 2;
    public const ulong Clean = 1UL << 3;
    public const ulong GlobalData = 1UL << 4;
    public const int DataSizeShift = 5;
    public const ulong FlagMask = 0x1F;

    /// <summary>Data bits that refuse a user read.</summary>
    public const ulong ForbidRead = Supervisor;

    /// <summary>Data bits that refuse (or, for Clean, delay) a user write.</summary>
    public const ulong ForbidWrite = Supervisor | ReadOnly | Clean;

    /// <summary>Data bits that refuse a user instruction fetch.</summary>
    public const ulong ForbidExec = Supervisor | NoExec;

    private readonly ulong[] _tags;
    private readonly ulong[] _data;
    private readonly int _ways;
    private readonly ulong _setMask;
    private readonly int[] _shifts;       // page shifts held, ascending
    private readonly int _shift0;         // _shifts[0], the size probed first
    private readonly ulong _sizeKey0;     // its size code and V, as in a tag
    private readonly ulong _divWays;      // ceil(2^32 / ways): index / ways as a multiply
    private readonly int _waysShift;      // log2(ways) when ways is a power of two, else -1
    private readonly bool _vectorProbe;   // ways a multiple of 4 and 256-bit compares in hardware
    private readonly int[] _sizeCount = new int[3];
    private readonly int _code0;          // SizeCode(_shift0)
    private int _count;                   // the sum of _sizeCount
    private readonly ulong[] _validWays;  // [set]: bit w set while way w holds an entry   // valid entries per size code: empty sizes are not probed
    private readonly TlbReplacement _policy;

    // Replacement state; only the policy's own arrays are allocated.
    private readonly ulong[] _lruStamps;  // Lru: [set * ways + way]
    private readonly ulong[] _plruBits;   // PseudoLru: [set]
    private readonly ulong _allWays;
    private ulong _clock;
    private ulong _random;

    /// <summary>Creates an empty array; throws on a geometry that is not a power-of-two number of sets.</summary>
    public TlbArray(TlbArrayConfig config, TlbReplacement policy, ulong seed)
    {
        if (config.Ways <= 0 || config.Ways > 64 || config.Entries % config.Ways != 0
            || !BitOperations.IsPow2(config.Entries / config.Ways) || config.Sizes == 0)
        {
            throw new ArgumentException($"TLB array {config}: entries/ways must be a power of two, ways 1..64", nameof(config));
        }
        Config = config;
        Sets = config.Entries / config.Ways;
        _ways = config.Ways;
        _setMask = (ulong)Sets - 1;
        _tags = new ulong[config.Entries];
        _validWays = new ulong[Sets];
        _data = new ulong[config.Entries];
        _shifts = ShiftsOf(config.Sizes);
        _shift0 = _shifts[0];
        _sizeKey0 = SizeKey(_shift0);
        _code0 = SizeCode(_shift0);
        _divWays = ((1UL << 32) + (ulong)_ways - 1) / (ulong)_ways;
        _waysShift = BitOperations.IsPow2(_ways) ? BitOperations.Log2((uint)_ways) : -1;
        _vectorProbe = Vector256.IsHardwareAccelerated && _ways % 4 == 0;
        _policy = policy;
        _lruStamps = policy == TlbReplacement.Lru ? new ulong[config.Entries] : [];
        _plruBits = policy == TlbReplacement.PseudoLru ? new ulong[Sets] : [];
        _allWays = _ways == 64 ? ulong.MaxValue : (1UL << _ways) - 1;
        _random = RandomReplacement.Init(seed);
    }

    public TlbArrayConfig Config { get; }

    /// <summary>
    /// The level's PCID (<see cref="TlbLevel.Pcid"/>), kept here for the hit path so that it reads
    /// the PCID, the geometry, the tags and the counter from one object.
    /// </summary>
    internal ulong HitPcid;

    /// <summary>Hits counted by the MMU's hit path (<see cref="TlbLevel.Hits"/> adds them).</summary>
    internal long Hits;

    public int Sets { get; }

    public int Ways => _ways;

    /// <summary>Valid entries now held.</summary>
    public int Count => _count;

    /// <summary>Valid entries of the sizes after the first (<see cref="LookupLarger"/> has something to probe).</summary>
    public bool HoldsLarger => _count != _sizeCount[_code0];

    /// <summary>Whether the array holds pages of this shift (12, 21, 30).</summary>
    public bool Holds(int shift) => Array.IndexOf(_shifts, shift) >= 0;

    /// <summary>The tag word of a way (tests draw sets from it).</summary>
    public ulong TagAt(int set, int way) => _tags[(set * _ways) + way];

    /// <summary>
    /// The data word of an entry found by <see cref="Lookup"/>. index comes from a probe, which
    /// only returns indices inside the array, so the read skips the bounds check.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong DataAt(int index) => Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_data), index);

    /// <summary>The page shift of the entry at index.</summary>
    public int ShiftAt(int index) => ShiftOfCode(CodeOfTag(_tags[index]));

    /// <summary>
    /// Finds the entry translating va under PCID pcid (or a global one) among the pages of the
    /// first (smallest) size held only: the hit path. Returns its index, or -1.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int LookupFirstSize(ulong va, ulong pcid) => Probe(va, _shift0, _sizeKey0, pcid);

    /// <summary>
    /// <see cref="LookupFirstSize"/> under the level's PCID (<see cref="HitPcid"/>), one way at a
    /// time: the L1 hit path, where a hit usually sits in an early way and the scalar loop stops
    /// there (a miss costs more than with vectors). Also gives the set probed and the way found,
    /// for <see cref="Touch(int, int, int)"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int LookupFirstSizeScalar(ulong va, out int set, out int way)
    {
        ulong vpn = va >> _shift0;
        set = (int)(vpn & _setMask);
        int start = set * _ways;
        ulong key = (vpn << VpnShift) | _sizeKey0;
        ulong own = key | HitPcid;
        ulong global = key | GlobalTag;
        ref ulong tags = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_tags), start);
        for (way = 0; way < _ways; way++)
        {
            ulong t = Unsafe.Add(ref tags, way);
            if (t == own || t == global)
            {
                return start + way;
            }
        }
        return -1;
    }

    /// <summary>
    /// <see cref="Touch(int)"/> of a hit whose set and way the probe has just given
    /// (<see cref="LookupFirstSizeScalar"/>), without dividing the index by the ways.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Touch(int index, int set, int way)
    {
        if (_policy == TlbReplacement.PseudoLru)
        {
            PseudoLru.Touch(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_plruBits), set), way, _allWays);
        }
        else if (_policy == TlbReplacement.Lru)
        {
            Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_lruStamps), index) = ++_clock;
        }
    }

    /// <summary>Whether the array holds no valid entry (a lookup can be skipped).</summary>
    public bool IsEmpty => Count == 0;

    /// <summary>
    /// Finds the entry translating va under PCID pcid (or a global one), probing each page size
    /// the array holds, smallest first. Returns its index, or -1.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Lookup(ulong va, ulong pcid)
    {
        int index = Probe(va, _shift0, _sizeKey0, pcid);
        if (index >= 0 || _shifts.Length == 1)
        {
            return index;
        }
        return LookupLarger(va, pcid);
    }

    /// <summary>A hit on index: tells the replacement policy.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Touch(int index)
    {
        // index comes from a probe (inside the array), so the policy's words are read without
        // bounds checks. Bit-PLRU, the default, is tested first.
        if (_policy == TlbReplacement.PseudoLru)
        {
            int set = SetOf(index);
            PseudoLru.Touch(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_plruBits), set), index - (set * _ways), _allWays);
        }
        else if (_policy == TlbReplacement.Lru)
        {
            Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_lruStamps), index) = ++_clock;
        }
    }

    /// <summary>index / ways: a shift for power-of-two ways, else a multiply (exact below 2^20).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int SetOf(int index) => _waysShift >= 0 ? index >> _waysShift : (int)(((ulong)(uint)index * _divWays) >> 32);

    /// <summary>The largest page shift held that is at most shift (splintering), or -1.</summary>
    public int FittingShift(int shift)
    {
        for (int i = _shifts.Length - 1; i >= 0; i--)
        {
            if (_shifts[i] <= shift)
            {
                return _shifts[i];
            }
        }
        return -1;
    }

    /// <summary>
    /// The physical address va translates to through an entry's data word: the page's first
    /// frame plus va's offset inside the page.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong PhysAddr(ulong data, ulong va)
    {
        ulong offsetMask = (1UL << (12 + (9 * (int)((data >> DataSizeShift) & 3)))) - 1;
        return (data & ~0xFFFUL) + (va & offsetMask);
    }

    /// <summary>The 4 KiB frame va translates to through an entry's data word.</summary>
    public static ulong Pfn(ulong data, ulong va) => PhysAddr(data, va) >> 12;

    /// <summary>The page shift of a size code (tag bits 14..13).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ShiftOfCode(int code) => code == 0 ? 12 : code == 1 ? 21 : 30;

    /// <summary>
    /// The way of va's set holding its page of size 1 &lt;&lt; shift under pcid or global; its index
    /// or -1. The set lies inside the array by construction, so the loop reads without bounds
    /// checks.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Probe(ulong va, int shift, ulong sizeKey, ulong pcid)
    {
        ulong vpn = va >> shift;
        int start = (int)(vpn & _setMask) * _ways;
        ulong key = (vpn << VpnShift) | sizeKey;
        ulong own = key | pcid;
        ulong global = key | GlobalTag;
        ref ulong set = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_tags), start);
        if (_vectorProbe)
        {
            // Four ways per 256-bit compare, against both keys at once.
            Vector256<ulong> vOwn = Vector256.Create(own);
            Vector256<ulong> vGlobal = Vector256.Create(global);
            for (int way = 0; way < _ways; way += 4)
            {
                Vector256<ulong> t = Vector256.LoadUnsafe(ref set, (nuint)way);
                uint hit = (Vector256.Equals(t, vOwn) | Vector256.Equals(t, vGlobal)).ExtractMostSignificantBits();
                if (hit != 0)
                {
                    return start + way + BitOperations.TrailingZeroCount(hit);
                }
            }
            return -1;
        }
        for (int way = 0; way < _ways; way++)
        {
            ulong t = Unsafe.Add(ref set, way);
            if (t == own || t == global)
            {
                return start + way;
            }
        }
        return -1;
    }

    /// <summary>The lookup of the sizes after the first (the slow half of <see cref="Lookup"/>).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public int LookupLarger(ulong va, ulong pcid)
    {
        for (int i = 1; i < _shifts.Length; i++)
        {
            int shift = _shifts[i];
            if (_sizeCount[SizeCode(shift)] == 0)
            {
                continue;
            }
            int index = Probe(va, shift, SizeKey(shift), pcid);
            if (index >= 0)
            {
                return index;
            }
        }
        return -1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int SizeCode(int shift) => shift == 12 ? 0 : shift == 21 ? 1 : 2;

    private static int CodeOfTag(ulong tag) => (int)((tag >> SizeShift) & 3);

    /// <summary>Number of page sizes held.</summary>
    public int SizeCount => _shifts.Length;

    /// <summary>The size code and V bit of a tag for pages of this shift.</summary>
    private static ulong SizeKey(int shift) => ((ulong)SizeCode(shift) << SizeShift) | Valid;

    private static int[] ShiftsOf(TlbPageSizes sizes)
    {
        var shifts = new List<int>(3);
        if ((sizes & TlbPageSizes.Size4K) != 0)
        {
            shifts.Add(12);
        }
        if ((sizes & TlbPageSizes.Size2M) != 0)
        {
            shifts.Add(21);
        }
        if ((sizes & TlbPageSizes.Size1G) != 0)
        {
            shifts.Add(30);
        }
        return [.. shifts];
    }
}
