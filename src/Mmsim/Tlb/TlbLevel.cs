using System.Runtime.CompilerServices;

namespace Mmsim.Tlb;

/// <summary>
/// One level of a core's TLB (L1 dTLB, L1 iTLB or STLB): its arrays, the PCID its lookups and
/// fills use now, and its hit/miss counters. A translation is cached in the array that holds
/// its page size; a page larger than any size the level holds is cached as the fragment of the
/// largest size it does hold that contains the address (splintering, as the L1 iTLB does with
/// 1 GiB pages).
/// </summary>
public sealed class TlbLevel
{
    internal readonly TlbArray[] Arrays;
    internal readonly TlbArray First;   // Arrays[0], the array the hit path probes

    // Where a page of size code c (0 = 4K, 1 = 2M, 2 = 1G) is cached: the array holding the
    // largest size not above it, and that size (-1: nowhere).
    private readonly TlbArray?[] _fillArray = new TlbArray?[3];
    private readonly int[] _fillShift = [-1, -1, -1];
    private readonly TlbArray? _fill4K;   // the array 4 KiB pages go to, when one holds them

    /// <summary>Creates an empty level.</summary>
    public TlbLevel(TlbLevelConfig config)
    {
        Config = config;
        Arrays = new TlbArray[config.Arrays.Length];
        for (int i = 0; i < Arrays.Length; i++)
        {
            Arrays[i] = new TlbArray(config.Arrays[i], config.Policy, config.Seed + (ulong)i);
        }
        First = Arrays[0];
        int[] shifts = [12, 21, 30];
        for (int code = 0; code < 3; code++)
        {
            foreach (TlbArray a in Arrays)
            {
                int fit = a.FittingShift(shifts[code]);
                if (fit > _fillShift[code])
                {
                    _fillArray[code] = a;
                    _fillShift[code] = fit;
                }
            }
        }
        _fill4K = _fillShift[0] == 12 ? _fillArray[0] : null;
    }

    public TlbLevelConfig Config { get; }

    public string Name => Config.Name;

    /// <summary>The PCID field lookups and fills use: CR3's PCID when the level tags entries, else 0.</summary>
    public ulong Pcid
    {
        get => _pcid;
        internal set
        {
            _pcid = value;
            First.HitPcid = value;   // the hit path reads it beside the first array's other fields
        }
    }

    private ulong _pcid;
    private long _hits;

    // Counters, changed only by the MMU's access path.
    /// <summary>Lookups that hit (the hit path counts its hits in the first array, <see cref="TlbArray.Hits"/>).</summary>
    public long Hits
    {
        get => _hits + First.Hits;
        internal set => _hits = value - First.Hits;
    }

    public long Misses { get; internal set; }

    public long Fills { get; internal set; }

    /// <summary>Fills that evicted a valid entry.</summary>
    public long Evictions { get; internal set; }

    /// <summary>Valid entries held in every array of the level.</summary>
    public int Count
    {
        get
        {
            int n = 0;
            foreach (TlbArray a in Arrays)
            {
                n += a.Count;
            }
            return n;
        }
    }

    /// <summary>Finds the entry for va under the current PCID; returns its index and array, or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal int Lookup(ulong va, out TlbArray array)
    {
        array = First;
        int index = First.LookupFirstSize(va, Pcid);
        return index >= 0 ? index : LookupAfterFirstSize(va, out array);
    }

    /// <summary>
    /// <see cref="Lookup"/> without the first array's first size, which the caller has just
    /// probed in vain.
    /// </summary>
    internal int LookupAfterFirstSize(ulong va, out TlbArray array)
    {
        TlbArray[] arrays = Arrays;
        array = arrays[0];
        int index = array.HoldsLarger ? array.LookupLarger(va, Pcid) : -1;
        for (int i = 1; index < 0 && i < arrays.Length; i++)
        {
            if (!arrays[i].IsEmpty)
            {
                index = arrays[i].Lookup(va, Pcid);
                array = arrays[i];
            }
        }
        if (index < 0)
        {
            array = arrays[0];
        }
        return index;
    }

    /// <summary>
    /// Caches the translation of va: a page of 1 &lt;&lt; pageShift bytes whose 4 KiB frame at va is
    /// pfn, with the data flags of <see cref="TlbArray"/>. Uses the array holding the largest
    /// size not above pageShift; does nothing if none fits. mayExist: the entry may already be
    /// cached (a refill) and is then replaced in place.
    /// </summary>
    internal void Fill(ulong va, int pageShift, ulong pfn, ulong flags, bool mayExist)
    {
        if (pageShift == 12 && _fill4K is { } first)
        {
            // A 4 KiB page (nearly every fill): its array, no fragment to compute.
            Fills++;
            if (first.Fill(va, 12, pfn, flags, Pcid, mayExist))
            {
                Evictions++;
            }
            return;
        }
        int code = pageShift >= 30 ? 2 : pageShift >= 21 ? 1 : 0;
        TlbArray? best = _fillArray[code];
        int bestShift = _fillShift[code];
        if (best is null)
        {
            return;
        }
        ulong pfnBase = pfn - ((va >> 12) & ((1UL << (bestShift - 12)) - 1));
        Fills++;
        if (best.Fill(va, bestShift, pfnBase, flags, Pcid, mayExist))
        {
            Evictions++;
        }
    }

    /// <summary>INVLPG va in every array under the current PCID. Returns the entries dropped.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal int Invalidate(ulong va)
    {
        // Inlined where a fault drops va from the other L1: empty arrays cost a load each.
        TlbArray[] arrays = Arrays;
        int n = 0;
        for (int i = 0; i < arrays.Length; i++)
        {
            if (!arrays[i].IsEmpty)
            {
                n += arrays[i].Invalidate(va, _pcid);
            }
        }
        return n;
    }

    /// <summary>Drops non-global entries of pcid (every PCID when anyPcid). Returns the entries dropped.</summary>
    internal int FlushNonGlobal(ulong pcid, bool anyPcid)
    {
        int n = 0;
        foreach (TlbArray a in Arrays)
        {
            n += a.FlushNonGlobal(pcid, anyPcid);
        }
        return n;
    }

    /// <summary>Drops every entry, global ones included. Returns the entries dropped.</summary>
    internal int FlushAll()
    {
        int n = 0;
        foreach (TlbArray a in Arrays)
        {
            n += a.FlushAll();
        }
        return n;
    }
}
