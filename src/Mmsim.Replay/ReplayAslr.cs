using Mmsim.Binfmt;
using Mmsim.Fs;
using Mmsim.Mm;

namespace Mmsim.Replay;

/// <summary>
/// --follow on logs taken with ASLR on. exec places the executable, the interpreter, the vDSO
/// and the heap at random; none of it is a system call, but the first calls after exec reveal
/// each choice, and follow mode moves the model's layout to match (each still counts as a
/// divergence, like any imposed result):
/// <list type="bullet">
/// <item>the first brk gives the randomised start of the heap;</item>
/// <item>the first mmap without a hint gives the randomised mmap_base: the interpreter and the
/// vDSO, placed below it at exec, move with it;</item>
/// <item>for a position-independent executable, the first mprotect on an address the model has
/// not mapped is ld.so protecting the executable's RELRO page, which gives the load bias.</item>
/// </list>
/// The top of the stack is random too and no call reveals it: it stays where the model put it.
/// </summary>
public sealed partial class Replayer
{
    private const uint PtGnuRelro = 0x6474e552;

    /// <summary>What exec laid out that follow mode may still move, per fresh mm.</summary>
    private sealed class ExecLayout
    {
        public bool BrkFollowed;
        public bool MmapFollowed;
        public bool ExeFollowed;
        public ulong ExeLow;
        public ulong ExeHigh;
        public ulong ExeRelroPage;
    }

    private readonly Dictionary<MmStruct, ExecLayout> _execLayouts = new(ReferenceEqualityComparer.Instance);

    /// <summary>Remembers the exec-time layout of a fresh image (only follow mode uses it).</summary>
    private void NoteExecLayout(MmStruct mm, ElfImage exe, OpenFile exeFile)
    {
        if (_mode != ReplayMode.Follow)
        {
            return;
        }
        var layout = new ExecLayout { ExeFollowed = exe.Type != ElfImage.EtDyn };
        foreach (Vma v in mm.Vmas)
        {
            if (v.File == exeFile)
            {
                layout.ExeLow = layout.ExeLow == 0 ? v.Start : layout.ExeLow;
                layout.ExeHigh = v.End;
            }
        }
        // The executable's image runs on into its bss VMA (anonymous, right after the file VMAs).
        if (mm.Vmas.Find(layout.ExeHigh) is { } bss && bss.Start == layout.ExeHigh && bss.IsAnonymous && bss.End <= mm.StartBrk)
        {
            layout.ExeHigh = bss.End;
        }
        ulong firstLoad = ulong.MaxValue;
        foreach (ElfPhdr ph in exe.Phdrs)
        {
            if (ph.Type == ElfPhdr.PtLoad && ph.Vaddr < firstLoad)
            {
                firstLoad = ph.Vaddr;
            }
        }
        foreach (ElfPhdr ph in exe.Phdrs)
        {
            if (ph.Type == PtGnuRelro && firstLoad != ulong.MaxValue && layout.ExeLow != 0)
            {
                ulong bias = layout.ExeLow - Page.AlignDown(firstLoad);
                layout.ExeRelroPage = Page.AlignDown(bias + ph.Vaddr);
            }
        }
        _execLayouts[mm] = layout;
    }

    /// <summary>The first brk: the kernel's randomised heap start replaces the model's.</summary>
    private void FollowBrk(MmStruct mm, long recorded)
    {
        if (!_execLayouts.TryGetValue(mm, out ExecLayout? layout) || layout.BrkFollowed)
        {
            return;
        }
        layout.BrkFollowed = true;
        if (!Errno.IsError(recorded) && mm.Brk == mm.StartBrk && Page.IsAligned((ulong)recorded) && mm.Vmas.FindIntersection((ulong)recorded, (ulong)recorded + Page.Size) is null)
        {
            mm.StartBrk = mm.Brk = (ulong)recorded;
        }
    }

    /// <summary>
    /// The first mmap without a hint: the distance between the kernel's address and the model's
    /// is the randomisation of mmap_base; what exec mapped below the model's base moves by it.
    /// </summary>
    private void FollowMmapBase(MmStruct mm, ulong modelAddr, ulong recordedAddr)
    {
        if (!_execLayouts.TryGetValue(mm, out ExecLayout? layout) || layout.MmapFollowed)
        {
            return;
        }
        layout.MmapFollowed = true;
        long delta = (long)(recordedAddr - modelAddr);
        if (mm.ShiftVmas(modelAddr, mm.MmapBase, delta))
        {
            mm.MmapBase = (ulong)((long)mm.MmapBase + delta);
        }
    }

    /// <summary>
    /// An mprotect the kernel did on an address the model has not mapped: for a PIE this is
    /// ld.so protecting the executable's RELRO page, which fixes the load bias. Returns true
    /// when the executable was moved (the caller applies the call again).
    /// </summary>
    private bool FollowExeBias(MmStruct mm, ulong addr)
    {
        if (!_execLayouts.TryGetValue(mm, out ExecLayout? layout) || layout.ExeFollowed || layout.ExeRelroPage == 0)
        {
            return false;
        }
        layout.ExeFollowed = true;
        long delta = (long)(addr - layout.ExeRelroPage);
        if (!mm.ShiftVmas(layout.ExeLow, layout.ExeHigh, delta))
        {
            return false;
        }
        mm.StartCode = (ulong)((long)mm.StartCode + delta);
        mm.EndCode = (ulong)((long)mm.EndCode + delta);
        mm.StartData = (ulong)((long)mm.StartData + delta);
        mm.EndData = (ulong)((long)mm.EndData + delta);
        if (!layout.BrkFollowed)
        {
            mm.StartBrk = (ulong)((long)mm.StartBrk + delta);
            mm.Brk = (ulong)((long)mm.Brk + delta);
        }
        return true;
    }
}
