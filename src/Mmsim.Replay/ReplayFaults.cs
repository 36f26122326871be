using Mmsim.Mm;
using Mmsim.Strace;

namespace Mmsim.Replay;

/// <summary>
/// Page faults: the program's own loads and stores never appear in an strace log, yet they
/// change the address space (a GROWSDOWN stack grows, a private write gives its VMA an anon_vma,
/// which decides later merges). The replay infers them from what the log does show:
/// <list type="bullet">
/// <item>a successful <c>mincore</c> vector: each resident page of an anonymous area, or below a
/// stack that must have grown to hold it, was touched (a write where the area is private and
/// writable: programs write fresh memory before they read it);</item>
/// <item>a <c>SIGSEGV</c> with its <c>si_addr</c>: a fault the model must also refuse, with the
/// same <c>si_code</c> (a checked event like a call);</item>
/// <item>with <see cref="ReplayOptions.AssumeWrites"/>, a write to the first page of each private
/// writable area the program maps or grows (mmap, brk, mremap), made when the program reshapes
/// that area, forks or exits.</item>
/// </list>
/// A touch seen late (a resident page in a mincore vector) happened at some unknown time after
/// the page was mapped, and the earliest time is the one that explains the kernel's merges: a
/// page touched before its VMA was split gave both halves one anon_vma. So a replay that finds
/// such evidence runs a second time and applies each touch right after the call that mapped
/// the page (see ReplayEvidence.cs); pages a vector shows never touched veto the assumed write.
/// </summary>
public sealed partial class Replayer
{
    private readonly List<long> _vector = new();

    // The model's own vector for the range of the mincore being replayed, before any touch is
    // inferred from it (empty without page tables): pages resident there are explained by calls.
    private readonly List<byte> _modelVector = new();

    private void ModelVector(MmStruct mm, ulong start)
    {
        _modelVector.Clear();
        if (mm.Paging is null || _vector.Count == 0)
        {
            return;
        }
        byte[] vec = new byte[_vector.Count];
        if (mm.Mincore(start, (ulong)_vector.Count << Page.Shift, vec) == 0)
        {
            _modelVector.AddRange(vec);
        }
    }
    private const int MaxPendingWrites = 4096;
    private readonly List<(MmStruct Mm, ulong Addr, ulong End)> _assumedWrites = new();

    /// <summary>anon_vmas given to VMAs for assumed writes (no page faulted in).</summary>
    public long AnonVmasAssumed { get; private set; }

    /// <summary>Faults inferred from the log and applied to the model.</summary>
    public long FaultsInferred { get; private set; }

    /// <summary>Applies the pages a successful mincore() reported resident, before the call is checked.</summary>
    private void InferFromMincore(MmStruct mm, in StraceEvent ev, in ArgList a)
    {
        _vector.Clear();
        if (!ev.HasResult || ev.Result != 0 || !a.TryGetInt64(0, out long start) || !a.TryGetIntArray(2, _vector, out _))
        {
            return;
        }
        ModelVector(mm, (ulong)start);
        GatherEvidence(mm, (ulong)start, ev.Line);
        for (int i = 0; i < _vector.Count; i++)
        {
            if ((_vector[i] & 1) == 0 || (_modelVector.Count > i && _modelVector[i] != 0))
            {
                continue;
            }
            ulong page = (ulong)start + ((ulong)i << Page.Shift);
            Vma? vma = mm.Vmas.Find(page);
            if (vma is null)
            {
                continue;
            }
            if (vma.Start > page)
            {
                if ((vma.Flags & VmFlags.GrowsDown) == 0)
                {
                    continue;
                }
            }
            else if (!vma.IsAnonymous || (vma.AnonVma is not null && mm.Paging is null))
            {
                // Page-cache residency says nothing of this process; without page tables a VMA
                // with an anon_vma already shows what a touch would.
                continue;
            }
            bool write = (vma.Flags & (VmFlags.Write | VmFlags.Shared)) == VmFlags.Write;
            if (mm.Fault(page, write) == FaultResult.Ok)
            {
                FaultsInferred++;
                NoteInferred(mm, page);
            }
        }
    }

    // Pages each mm was given by inferred touches (the program's instructions, as evidence shows them).
    private readonly Dictionary<MmStruct, HashSet<ulong>> _inferredPages = new(ReferenceEqualityComparer.Instance);

    private void NoteInferred(MmStruct mm, ulong page)
    {
        if (!_inferredPages.TryGetValue(mm, out HashSet<ulong>? set))
        {
            set = new HashSet<ulong>();
            _inferredPages[mm] = set;
        }
        set.Add(page & ~Page.OffsetMask);
    }

    /// <summary>The touches the first pass placed right after this line (a vector that showed their pages absent).</summary>
    private void ApplyPlannedTouches(MmStruct mm, long line)
    {
        if (_plan is not null && _plan.Touched.TryGetValue(line, out List<ulong>? pages))
        {
            foreach (ulong page in pages)
            {
                TouchPage(mm, page);
            }
        }
    }

    /// <summary>Checks a recorded SIGSEGV: the model must refuse the same access for the same reason.</summary>
    private void CheckSegv(Process.Task task, in StraceEvent ev)
    {
        if (task.Mm is not { } mm)
        {
            return;
        }
        var fields = new ArgList(ev.Args);
        if (!fields.TryGetStructField(0, "si_addr", out ReadOnlySpan<char> addrText)
            || !ArgList.TryParseNumber(addrText, out long addr)
            || !fields.TryGetStructField(0, "si_code", out ReadOnlySpan<char> code))
        {
            return;
        }
        bool mapErr = code.SequenceEqual("SEGV_MAPERR");
        bool accErr = code.SequenceEqual("SEGV_ACCERR");
        if (!mapErr && !accErr)
        {
            return;
        }
        FaultResult model = mm.Fault((ulong)addr, write: true);
        if (model == FaultResult.AccErr && mapErr)
        {
            model = mm.Fault((ulong)addr, write: false);
        }
        CallsReplayed++;
        _segvsChecked++;
        FaultResult recorded = mapErr ? FaultResult.MapErr : FaultResult.AccErr;
        if (model != recorded)
        {
            _divergences.Add(new Divergence(ev.Line, ev.Pid, "SIGSEGV", (long)recorded, (long)model,
                $"fault at 0x{addr:x}: recorded {Describe(recorded)}, model {Describe(model)}"));
        }
    }

    private static string Describe(FaultResult r) => r switch
    {
        FaultResult.MapErr => "SEGV_MAPERR",
        FaultResult.AccErr => "SEGV_ACCERR",
        _ => "no fault",
    };

    /// <summary>
    /// After a call gave the process new memory [start, start+len) (mmap, brk or mremap growth):
    /// remembers which line created it, applies the touches the evidence places there, and, with
    /// AssumeWrites and no evidence that the program left it alone, writes its first page.
    /// </summary>
    private void AfterMap(MmStruct mm, ulong start, ulong len, long line, long originLine = 0)
    {
        long origin = originLine != 0 ? originLine : line;
        OriginsOf(mm).Add(new Origin(start, start + Page.Align(len), origin));
        if (_rusage.Count > 0 && mm.Vmas.Lookup(start) is { } fresh && (fresh.Flags & (VmFlags.Write | VmFlags.Shared)) == VmFlags.Write)
        {
            _freshWritable.Add(origin);
        }
        bool touched = false;
        if (_plan is not null && _plan.Touched.TryGetValue(origin, out List<ulong>? pages))
        {
            foreach (ulong page in pages)
            {
                if (page >= start && page < start + len && TouchPage(mm, page))
                {
                    touched = true;
                }
            }
        }
        if (!touched && _options.AssumeWrites && (_plan is null || !_plan.Untouched.Contains(origin)))
        {
            if (_assumedWrites.Count >= MaxPendingWrites)
            {
                // Memory left alone for thousands of mappings has been used by now: the oldest half lands.
                for (int i = 0; i < MaxPendingWrites / 2; i++)
                {
                    TouchPage(_assumedWrites[i].Mm, _assumedWrites[i].Addr, onlyWritable: true);
                }
                _assumedWrites.RemoveRange(0, MaxPendingWrites / 2);
            }
            _assumedWrites.Add((mm, start, start + Page.Align(len)));
        }
    }

    /// <summary>
    /// Carries out the assumed writes to mm (those in [start, end)): called for the range an
    /// munmap, mprotect, mremap, madvise or mlock is about to reshape (a program reshapes memory
    /// it has been using), for the whole mm before a fork (the child inherits what the parent
    /// wrote) and at exit_group. Until then a write changes nothing a later merge could see
    /// differently, except between two separately written areas a later mapping fills the hole
    /// between, which programs rarely do and scenario programs that leave memory untouched do.
    /// </summary>
    private void FlushAssumedWrites(MmStruct mm, ulong start = 0, ulong end = ulong.MaxValue)
    {
        for (int i = 0; i < _assumedWrites.Count; i++)
        {
            if (ReferenceEquals(_assumedWrites[i].Mm, mm) && _assumedWrites[i].Addr < end && start < _assumedWrites[i].End)
            {
                TouchPage(mm, _assumedWrites[i].Addr, onlyWritable: true);
                _assumedWrites.RemoveAt(i);
                i--;
            }
        }
    }

    /// <summary>A fault on one page, a write where the VMA is private and writable; true if allowed.</summary>
    private bool TouchPage(MmStruct mm, ulong page, bool onlyWritable = false)
    {
        Vma? vma = mm.Vmas.Lookup(page);
        if (vma is null || !vma.IsAnonymous && onlyWritable)
        {
            return false;
        }
        bool write = (vma.Flags & (VmFlags.Write | VmFlags.Shared)) == VmFlags.Write;
        if (onlyWritable)
        {
            if (!write || vma.AnonVma is not null)
            {
                return false;
            }
            // An assumed write: only what the VMA layer sees of it, the anon_vma the first write
            // fault would prepare. No page is faulted in: which pages, and when, no log shows.
            mm.AnonVmaPrepare(vma);
            AnonVmasAssumed++;
            return true;
        }
        if (mm.Fault(page, write) != FaultResult.Ok)
        {
            return false;
        }
        FaultsInferred++;
        NoteInferred(mm, page);
        return true;
    }
}
