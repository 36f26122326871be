using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Mmsim.Tlb.Policies;

namespace Mmsim.Tlb;

/// <summary>Changing a TLB array: fills with their victim choice, INVLPG and the flushes.</summary>
internal sealed partial class TlbArray
{
    /// <summary>
    /// Inserts the translation of va as a page of 1 &lt;&lt; shift bytes (the array must hold that
    /// size) whose first frame is pfnBase, with the data flag bits of <see cref="TlbArray"/>.
    /// With mayExist an entry for the same page and PCID is replaced in place (a refill);
    /// without, the caller knows the lookup just missed. Otherwise the first empty way of the set
    /// is used, else the policy's victim. Returns true when a valid entry was evicted.
    /// </summary>
    public bool Fill(ulong va, int shift, ulong pfnBase, ulong flags, ulong pcid, bool mayExist)
    {
        int code = SizeCode(shift);
        ulong vpn = va >> shift;
        int set = (int)(vpn & _setMask);
        int start = set * _ways;
        ulong tag = (vpn << VpnShift) | ((ulong)code << SizeShift) | Valid | ((flags & GlobalData) != 0 ? GlobalTag : pcid);
        // set lies inside the arrays by construction (vpn masked), and so does every way of it.
        ref ulong validWays = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_validWays), set);
        int way = mayExist ? FindWayOrEmpty(start, tag) : FirstEmpty(validWays);
        bool evicted = false;
        if (way < 0)
        {
            way = Victim(set, start);
            evicted = true;
        }
        int index = start + way;
        ref ulong slot = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_tags), index);
        ulong old = slot;
        if (old == 0)
        {
            _sizeCount[code]++;
            _count++;
            validWays |= 1UL << way;
        }
        else if (CodeOfTag(old) != code)
        {
            // A victim of another size: the counts move (a victim of the same size leaves them).
            _sizeCount[CodeOfTag(old)]--;
            _sizeCount[code]++;
        }
        slot = tag;
        Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_data), index) = (pfnBase << 12) | ((ulong)code << DataSizeShift) | flags;
        Touch(index, set, way);
        return evicted;
    }

    /// <summary>
    /// INVLPG for this array: drops every entry (of any size) that translates va under pcid,
    /// and every global one for va. Returns the number dropped.
    /// </summary>
    public int Invalidate(ulong va, ulong pcid)
    {
        int dropped = 0;
        foreach (int shift in _shifts)
        {
            int index;
            while ((index = Probe(va, shift, SizeKey(shift), pcid)) >= 0)
            {
                Drop(index);
                dropped++;
            }
        }
        return dropped;
    }

    /// <summary>
    /// Drops non-global entries: those tagged pcid, or all of them when anyPcid (a CR3 write
    /// with CR4.PCIDE = 0). Returns the number dropped.
    /// </summary>
    public int FlushNonGlobal(ulong pcid, bool anyPcid)
    {
        int dropped = 0;
        for (int i = 0; i < _tags.Length; i++)
        {
            ulong t = _tags[i];
            if (t != 0 && (t & GlobalTag) == 0 && (anyPcid || (t & PcidMask) == pcid))
            {
                Drop(i);
                dropped++;
            }
        }
        return dropped;
    }

    /// <summary>Drops every entry, global ones included (CR4.PGE toggle, INVPCID all). Returns the number dropped.</summary>
    public int FlushAll()
    {
        int dropped = 0;
        for (int i = 0; i < _tags.Length; i++)
        {
            if (_tags[i] != 0)
            {
                Drop(i);
                dropped++;
            }
        }
        return dropped;
    }

    /// <summary>The first empty way of a set, from its valid-way mask, or -1.</summary>
    private int FirstEmpty(ulong validWays)
    {
        int way = BitOperations.TrailingZeroCount(~validWays);
        return way < _ways ? way : -1;
    }

    /// <summary>The way holding tag (a refill of the same page), else the first empty way, else -1.</summary>
    private int FindWayOrEmpty(int start, ulong tag)
    {
        if (_vectorProbe)
        {
            return FindWayOrEmptyVector(start, tag);
        }
        ReadOnlySpan<ulong> ways = new(_tags, start, _ways);
        int empty = -1;
        for (int way = 0; way < ways.Length; way++)
        {
            ulong t = ways[way];
            if (t == tag)
            {
                return way;
            }
            if (t == 0 && empty < 0)
            {
                empty = way;
            }
        }
        return empty;
    }

    /// <summary><see cref="FindWayOrEmpty"/> four ways per compare.</summary>
    private int FindWayOrEmptyVector(int start, ulong tag)
    {
        ref ulong set = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_tags), start);
        Vector256<ulong> vTag = Vector256.Create(tag);
        int empty = -1;
        for (int way = 0; way < _ways; way += 4)
        {
            Vector256<ulong> t = Vector256.LoadUnsafe(ref set, (nuint)way);
            uint match = Vector256.Equals(t, vTag).ExtractMostSignificantBits();
            if (match != 0)
            {
                return way + BitOperations.TrailingZeroCount(match);
            }
            uint free = Vector256.Equals(t, Vector256<ulong>.Zero).ExtractMostSignificantBits();
            if (free != 0 && empty < 0)
            {
                empty = way + BitOperations.TrailingZeroCount(free);
            }
        }
        return empty;
    }

    private int Victim(int set, int start) => _policy switch
    {
        TlbReplacement.Lru => Lru.Victim(new ReadOnlySpan<ulong>(_lruStamps, start, _ways)),
        TlbReplacement.PseudoLru => PseudoLru.Victim(_plruBits[set], _ways),
        _ => RandomReplacement.Victim(ref _random, _ways),
    };

    private void Drop(int index)
    {
        _sizeCount[CodeOfTag(_tags[index])]--;
        _count--;
        _tags[index] = 0;
        _data[index] = 0;
        int set = SetOf(index);
        int way = index - (set * _ways);
        _validWays[set] &= ~(1UL << way);
        switch (_policy)
        {
            case TlbReplacement.Lru:
                Lru.Invalidate(new Span<ulong>(_lruStamps, set * _ways, _ways), way);
                break;
            case TlbReplacement.PseudoLru:
                PseudoLru.Invalidate(ref _plruBits[set], way);
                break;
        }
    }

    /// <summary>
    /// Checks the bookkeeping against a scan: the per-size counts and per-set valid masks agree
    /// with the tags, and no set holds the same tag twice. Throws <see cref="ModelBugException"/>.
    /// </summary>
    public void Validate()
    {
        Span<int> counts = stackalloc int[3];
        for (int set = 0; set < Sets; set++)
        {
            ulong valid = 0;
            for (int way = 0; way < _ways; way++)
            {
                ulong tag = _tags[(set * _ways) + way];
                if (tag == 0)
                {
                    continue;
                }
                valid |= 1UL << way;
                counts[CodeOfTag(tag)]++;
                for (int other = way + 1; other < _ways; other++)
                {
                    if (_tags[(set * _ways) + other] == tag)
                    {
                        throw new ModelBugException($"tlb: set {set} holds tag 0x{tag:x} twice");
                    }
                }
            }
            if (valid != _validWays[set])
            {
                throw new ModelBugException($"tlb: set {set} valid mask 0x{_validWays[set]:x}, tags say 0x{valid:x}");
            }
        }
        if (_count != counts[0] + counts[1] + counts[2])
        {
            throw new ModelBugException($"tlb: {_count} entries counted, {counts[0] + counts[1] + counts[2]} held");
        }
        for (int code = 0; code < 3; code++)
        {
            if (counts[code] != _sizeCount[code])
            {
                throw new ModelBugException($"tlb: {_sizeCount[code]} entries of size code {code} counted, {counts[code]} held");
            }
        }
    }
}
