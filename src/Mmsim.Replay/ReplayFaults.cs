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
/// writable area the program maps or grows (mmap, brk, mremap), right after the call.</item>
/// </list>
/// </summary>
public sealed partial class Replayer
{
    private readonly List<long> _vector = new();

    /// <summary>Faults inferred from the log and applied to the model.</summary>
    public long FaultsInferred { get; private set; }

    /// <summary>Applies the pages a successful mincore() reported resident, before the call is checked.</summary>
    private void InferFromMincore(MmStruct mm, StraceEvent ev, in ArgList a)
    {
        if (!ev.HasResult || ev.Result != 0 || !a.TryGetInt64(0, out long start) || !a.TryGetIntArray(2, _vector, out _))
        {
            return;
        }
        for (int i = 0; i < _vector.Count; i++)
        {
            if ((_vector[i] & 1) == 0)
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
            else if (!vma.IsAnonymous || vma.AnonVma is not null)
            {
                // Page-cache residency says nothing of this process; a VMA with an anon_vma
                // already shows what a touch would.
                continue;
            }
            bool write = (vma.Flags & (VmFlags.Write | VmFlags.Shared)) == VmFlags.Write;
            if (mm.Fault(page, write) == FaultResult.Ok)
            {
                FaultsInferred++;
            }
        }
    }

    /// <summary>Checks a recorded SIGSEGV: the model must refuse the same access for the same reason.</summary>
    private void CheckSegv(Process.Task task, StraceEvent ev)
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
        _callsByName["SIGSEGV"] = _callsByName.TryGetValue("SIGSEGV", out long n) ? n + 1 : 1;
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

    /// <summary>With AssumeWrites: the program writes the private writable memory a call just gave it.</summary>
    private void AssumeWrite(MmStruct mm, ulong addr)
    {
        if (!_options.AssumeWrites)
        {
            return;
        }
        Vma? vma = mm.Vmas.Lookup(addr);
        if (vma is null || vma.AnonVma is not null || (vma.Flags & (VmFlags.Write | VmFlags.Shared)) != VmFlags.Write)
        {
            return;
        }
        if (mm.Fault(addr, write: true) == FaultResult.Ok)
        {
            FaultsInferred++;
        }
    }
}
