using Mmsim.Arch.X86;
using Mmsim.Mm;
using Mmsim.Process;
using Mmsim.Tlb;
using Task = Mmsim.Process.Task;

namespace Mmsim.Cli.Demo;

/// <summary>
/// A segmentation fault: gonzo reads address 0 (no area: SEGV_MAPERR) and writes its own code
/// (an area that forbids it: SEGV_ACCERR); the MMU's walk, the fault handler's verdict, the
/// signal, and the kernel ending the process.
/// </summary>
internal sealed class SegfaultStep : DemoStep
{
    /// <summary>si_code SEGV_MAPERR: address not mapped to an object.</summary>
    public const int SegvMaperr = 1;

    /// <summary>si_code SEGV_ACCERR: invalid permissions for a mapped object.</summary>
    public const int SegvAccerr = 2;

    public override string Id => "segfault";

    public override string Title => "A segmentation fault on an invalid address";

    public override IReadOnlyList<SeedQuote> Quotes =>
    [
        new(Seed.Series4, "Generally, when a process accesses an Invalid Address, it returns a \"segment error\" and the kernel terminates the process."),
    ];

    public override IReadOnlyList<string> Corrections =>
    [
        "The kernel does not terminate the process itself: the page-fault handler (do_user_addr_fault()) finds no VMA, or one that forbids the access, and sends SIGSEGV with si_code SEGV_MAPERR (1) or SEGV_ACCERR (2) and si_addr the address. The default action of SIGSEGV ends the process (with a core dump); a handler may catch it instead.",
    ];

    public override PictureKind Picture => PictureKind.Walk;

    public override void Run(DemoScene scene, TextWriter o)
    {
        Kernel k = DemoKit.NewKernel();
        Task t = DemoKit.ExecGonzo(k, 100);
        MmStruct mm = t.Mm!;
        long before = DemoKit.MmStructObjects(k);

        o.WriteLine("  gonzo reads address 0x0 (a NULL pointer):");
        TranslateExplain nul = k.Explain(t, 0, AccessKind.Read);
        Print(nul, mm, o);
        scene.Picture = (Mmsim.Pictures.PageWalkPicture.Render(nul, mm.Paging!.Tables.Geometry.Mode, $"{t.Comm} (pid {t.Pid}): no VMA, SIGSEGV"),
            "the walk of the NULL read and its fault");
        o.WriteLine();
        ulong text = DemoKit.GonzoText + 0x1000;
        o.WriteLine($"  gonzo writes to its own code at 0x{text:x} (the area is r-xp):");
        TranslateExplain acc = k.Explain(t, text, AccessKind.Write);
        Print(acc, mm, o);
        o.WriteLine();
        k.ExitGroup(t);
        k.Validate();
        o.WriteLine("  SIGSEGV's default action: the process exits (do_exit → exit_mm → mmput). gonzo is gone:");
        o.WriteLine($"  its mm_users is {mm.MmUsers}, its VMAs {mm.MapCount}; mm_struct objects in use {before} → {DemoKit.MmStructObjects(k)}");
        o.WriteLine("  (the last reference is the CPU's lazy one until another process runs there; see mm-refcounts)");
        scene.Kernel = k;
        scene.Pid = t.Pid;
        scene.Address = 0;
        scene.Figures["null.si_code"] = SiCode(nul.Result);
        scene.Figures["null.walk_refs"] = nul.MemoryRefs;
        scene.Figures["text_write.si_code"] = SiCode(acc.Result);
        scene.Figures["exit.mm_users"] = mm.MmUsers;
        scene.Figures["exit.map_count"] = mm.MapCount;
    }

    /// <summary>The si_code of the SIGSEGV a fault result sends (0 when none).</summary>
    public static int SiCode(FaultResult r) => r switch { FaultResult.MapErr => SegvMaperr, FaultResult.AccErr => SegvAccerr, _ => 0 };

    private static void Print(TranslateExplain e, MmStruct mm, TextWriter o)
    {
        foreach (string line in e.ToString().Split('\n'))
        {
            if (line.StartsWith(" after the fault", StringComparison.Ordinal))
            {
                break;
            }
            o.WriteLine("    " + line);
        }
        Vma? v = mm.Vmas.Find(e.Address);
        string where = v is null || v.Start > e.Address
            ? $"find_vma(0x{e.Address:x}) = {(v is null ? "NULL" : DemoKit.Range(v))}: no area contains the address"
            : $"the area {DemoKit.Range(v)} contains it, but does not allow a {e.Kind.ToString().ToLowerInvariant()}";
        o.WriteLine($"    do_user_addr_fault(): {where}");
        string name = e.Result == FaultResult.MapErr ? "SEGV_MAPERR" : "SEGV_ACCERR";
        o.WriteLine($"    → SIGSEGV {{si_signo=SIGSEGV, si_code={name} ({SiCode(e.Result)}), si_addr=0x{e.Address:x}}}");
    }
}
