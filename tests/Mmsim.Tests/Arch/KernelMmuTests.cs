using System.Buffers.Binary;
using Mmsim.Arch.X86;
using Mmsim.Binfmt;
using Mmsim.Mm;
using Mmsim.Pgtable;
using Mmsim.Phys;
using Mmsim.Process;
using Mmsim.Tests.Fault;
using Mmsim.Tlb;
using static Mmsim.Tests.Mm.MmKit;
using Task = Mmsim.Process.Task;

namespace Mmsim.Tests.Arch;

/// <summary>
/// The paging layer and the x86 MMU joined in one kernel: user accesses go through the TLBs
/// and the real page walker, faults run handle_mm_fault(), and every page-table change the
/// syscalls make is flushed from the CPUs as flush_tlb_mm_range() does. Columns are pages from
/// 0x10000000 (<see cref="Col"/>); the machine has 2 CPUs, PCID and Skylake TLBs unless a test
/// says otherwise. Every step ends with Kernel.Validate (which runs Machine.Validate and checks
/// each mm_count against the lazy references the CPUs hold).
/// </summary>
public sealed class KernelMmuTests
{
    private static (Kernel K, Task T) NewKernel(MachineConfig? machine = null)
    {
        var k = new Kernel(MmConfig.Default, PhysMemConfig.OfSize(64UL << 20), null, machine);
        Task t = k.CreateInitTask(1);
        t.Mm!.MmapBase = TopOfMmap;
        t.Mm.MmapLegacyBase = LegacyBase;
        return (k, t);
    }

    private static TranslateExplain Explain(Kernel k, Task t, int column, AccessKind kind)
    {
        TranslateExplain e = k.Explain(t, Col(column) + 0x10, kind);
        k.Validate();
        return e;
    }

    private static void Step(Kernel k, long result = 0)
    {
        Assert.Equal(0, result);
        k.Validate();
    }

    [Fact]
    public void FirstWriteFaultsThenHitsInTheTlb()
    {
        //  column 0, anonymous rw, nothing mapped yet:
        //   write #1: L1 miss, STLB miss, walk stops at the empty PGD entry (1 ref), #PF,
        //             do_anonymous_page, retry walks 4 levels (4 refs), fills STLB + L1d
        //   write #2: L1d hit, no walk;  read: L1d hit
        var (k, t) = NewKernel();
        Step(k, t.Mm!.MapAt(0, 1) - (long)Col(0));
        TranslateExplain first = Explain(k, t, 0, AccessKind.Write);
        Assert.Equal((TlbHitLevel.Walk, WalkFault.NotPresent, FaultResult.Ok), (first.Hit, first.Fault, first.Result));
        Assert.Equal((2L, 5L, 1L, 1L, 0L), (first.Walks, first.MemoryRefs, first.PageFaults, first.MinorFaults, first.MajorFaults));
        Assert.Equal(["PGD"], first.Walk.Select(s => s.Name));
        Assert.False(first.Walk[0].Present);
        Assert.Equal(["PGD", "PUD", "PMD", "PTE"], first.WalkAfterFault.Select(s => s.Name));
        WalkStep pte = first.WalkAfterFault[3];
        Assert.True(pte.Leaf && pte.Present && pte.Writable && pte.User && pte.Accessed && pte.Dirty && !pte.Global && pte.NoExecute);
        Assert.Equal((ulong)t.PfnAt(0), pte.Pfn);
        Assert.Equal(((ulong)t.PfnAt(0) << 12) | 0x10, first.PhysAddr);
        Assert.Equal(0, first.Cpu);
        Assert.Equal(0x080, first.WalkAfterFault[2].Index);     // 0x10000000 >> 21 & 511
        Assert.StartsWith("cpu 0 write 0x10000010: TLB miss, 2 walk(s), 5 refs, #PF NotPresent (1 minor, 0 major) -> 0x", first.ToString());

        TranslateExplain again = Explain(k, t, 0, AccessKind.Write);
        Assert.Equal((TlbHitLevel.L1, 0L, 0L, 0L), (again.Hit, again.Walks, again.MemoryRefs, again.PageFaults));
        Assert.Empty(again.Walk);
        Assert.Equal(first.PhysAddr, again.PhysAddr);
        Assert.Equal(TlbHitLevel.L1, Explain(k, t, 0, AccessKind.Read).Hit);
        Assert.Equal((1L, 0L), (t.MinFlt, t.MajFlt));
    }

    [Fact]
    public void MunmapFlushesSoTheNextAccessIsSigsegvNotAStaleHit()
    {
        //  0..1 rw, both written (in the TLB); munmap 0 → flush_tlb_mm_range([0, 1)) on CPU 0:
        //  one INVLPG; the access walks and faults with no VMA: SEGV_MAPERR. Column 1 still hits.
        var (k, t) = NewKernel();
        MmStruct mm = t.Mm!;
        mm.MapAt(0, 2);
        k.Touch(t, 0);
        k.Touch(t, 1);
        TlbStats s = k.Machine!.Cpu(0).Stats;
        long invlpg = s.SinglePageFlushes;
        Step(k, mm.UnmapAt(0, 1));
        Assert.Equal(1, s.SinglePageFlushes - invlpg);
        TranslateExplain e = Explain(k, t, 0, AccessKind.Read);
        Assert.Equal((TlbHitLevel.Walk, WalkFault.NotPresent, FaultResult.MapErr, 0UL), (e.Hit, e.Fault, e.Result, e.PhysAddr));
        Assert.Equal(TlbHitLevel.L1, Explain(k, t, 1, AccessKind.Read).Hit);
    }

    [Fact]
    public void MprotectReadOnlyThenWriteIsAccErr()
    {
        //  0 rw written (a writable, dirty entry in the L1d) → mprotect(0, R): PTE loses RW, the
        //  range is flushed; a read walks again and hits the PTE read-only, a write faults
        //  (P = 1, W = 1) and access_error() says SEGV_ACCERR.
        var (k, t) = NewKernel();
        MmStruct mm = t.Mm!;
        mm.MapAt(0, 1);
        k.Touch(t, 0);
        Step(k, mm.ProtectAt(0, 1, R));
        TranslateExplain read = Explain(k, t, 0, AccessKind.Read);
        Assert.Equal((TlbHitLevel.Walk, 0L, FaultResult.Ok), (read.Hit, read.PageFaults, read.Result));
        Assert.False(read.Walk[3].Writable);
        TranslateExplain write = Explain(k, t, 0, AccessKind.Write);
        Assert.Equal((WalkFault.Protection, FaultResult.AccErr), (write.Fault, write.Result));
        Assert.True(write.StaleRewalk);          // the cached read-only entry was not trusted
        Assert.Equal(0L, write.MinorFaults);
    }

    [Fact]
    public void ForkCowBreakFlushesTheParentAndTheChildKeepsItsFrame()
    {
        //  parent P writes 0 (frame X, in CPU 0's TLB writable); fork → dup_mmap write-protects
        //  both and flush_tlb_mm(P); P writes 0: COW fault, copy to frame Y, flush P's page.
        //          PTE      P's TLB     C's PTE
        //  fork    X r      flushed     X r
        //  P write Y w      Y           X r   (mapcount of X back to 1)
        //  C write Y w      -           X w   (reused: no copy)
        var (k, p) = NewKernel();
        p.Mm!.MapAt(0, 1);
        k.Touch(p, 0);
        int x = p.PfnAt(0);
        Machine m = k.Machine!;
        long full = m.Cpu(0).Stats.FullFlushes;
        Task c = k.Clone(p, 2, shareVm: false, thread: false, shareFiles: false);
        Step(k);
        Assert.Equal(1, m.Cpu(0).Stats.FullFlushes - full);          // flush_tlb_mm() in dup_mmap
        Assert.Equal(TlbHitLevel.Walk, Explain(k, p, 0, AccessKind.Read).Hit);

        long ranges = k.Paging!.RangeFlushes;
        TranslateExplain cow = Explain(k, p, 0, AccessKind.Write);
        Assert.Equal((WalkFault.Protection, FaultResult.Ok, 1L), (cow.Fault, cow.Result, cow.MinorFaults));
        int y = p.PfnAt(0);
        Assert.NotEqual(x, y);
        Assert.Equal(1, k.Paging.RangeFlushes - ranges);                // the broken PTE's flush
        Assert.Equal((ulong)y, cow.PhysAddr >> 12);
        Assert.Equal((ulong)y, Explain(k, p, 0, AccessKind.Read).PhysAddr >> 12);

        TranslateExplain child = Explain(k, c, 0, AccessKind.Read);   // C replaces P on CPU 0
        Assert.Equal((0, TlbHitLevel.Walk, (ulong)x), (child.Cpu, child.Hit, child.PhysAddr >> 12));
        TranslateExplain reuse = Explain(k, c, 0, AccessKind.Write);
        Assert.Equal((FaultResult.Ok, (ulong)x, x), (reuse.Result, reuse.PhysAddr >> 12, c.PfnAt(0)));
        Assert.Equal(("1/1", "1/1"), (k.Counts(x), k.Counts(y)));
    }

    [Fact]
    public void MunmapShootsDownTheOtherCpuRunningTheMm()
    {
        //  threads T1 (CPU 0) and T2 (CPU 1) of one mm, both touched column 0:
        //   CPU 0  T1  munmap(0) ── IPI ──► CPU 1  T2: INVLPG
        //  mm_cpumask = {0, 1}; one shootdown IPI; T2's access is then SIGSEGV, not a stale hit.
        var (k, t1) = NewKernel();
        t1.Mm!.MapAt(0, 2);
        Task t2 = k.Clone(t1, 2, shareVm: true, thread: true, shareFiles: true);
        k.Schedule(0, t1);
        k.Schedule(1, t2);
        Step(k);
        k.Touch(t1, 0);
        k.Touch(t2, 0);
        Machine m = k.Machine!;
        Assert.Equal(0b11UL, t1.Mm!.Context.CpuMask);
        Assert.Equal(TlbHitLevel.L1, Explain(k, t2, 0, AccessKind.Read).Hit);
        (long ipis, long received) = (m.IpisSent, m.Cpu(1).Stats.IpisReceived);
        Assert.Equal(0, k.Run(t1));
        Step(k, t1.Mm.UnmapAt(0, 1));
        Assert.Equal((1L, 1L), (m.IpisSent - ipis, m.Cpu(1).Stats.IpisReceived - received));
        TranslateExplain e = Explain(k, t2, 0, AccessKind.Read);
        Assert.Equal((1, TlbHitLevel.Walk, FaultResult.MapErr), (e.Cpu, e.Hit, e.Result));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void PcidKeepsEntriesAcrossASwitchBetweenProcesses(bool pcid)
    {
        //  CPU 0:  A writes 0 ─► switch to B, B writes 0 ─► switch to A, A reads 0
        //  PCID:    A's entry is tagged with A's ASID and survives B (CR3 written with no-flush)
        //  no PCID: every CR3 write to another mm drops the entries; A walks again
        var (k, a) = NewKernel(new MachineConfig { Pcid = pcid });
        Task b = k.CreateInitTask(2);
        b.Mm!.MmapBase = TopOfMmap;
        a.Mm!.MapAt(0, 1);
        b.Mm.MapAt(0, 1);
        k.Touch(a, 0);
        k.Touch(b, 0);
        Assert.Equal(0, k.Machine!.CpuOf(b));
        TlbStats s = k.Machine.Cpu(0).Stats;
        long noFlush = s.Cr3NoFlushWrites;
        TranslateExplain e = Explain(k, a, 0, AccessKind.Read);
        Assert.Equal(pcid ? TlbHitLevel.L1 : TlbHitLevel.Walk, e.Hit);
        Assert.Equal(pcid ? 1 : 0, s.Cr3NoFlushWrites - noFlush);
        Assert.Equal((ulong)a.PfnAt(0), e.PhysAddr >> 12);
        Assert.NotEqual(a.PfnAt(0), b.PfnAt(0));
    }

    [Fact]
    public void KernelThreadLazyTlbAndTheMmReferences()
    {
        //  mm_users counts tasks sharing the address space, mm_count references to the
        //  mm_struct itself; all users together hold one mm_count, each lazy CPU one more:
        //
        //  step                               CPU 0 runs       A.mm users/count
        //  A runs, writes                     A                1/1
        //  clone thread T (CLONE_VM)          A                2/1
        //  kthread k scheduled                k  (lazy on A)   2/2   mmgrab
        //  T scheduled                        T                2/1   mmdrop
        //  T exits                            idle (lazy on A) 1/2   exit_mm's mmgrab, passed to idle
        //  A runs again, forks C              A                1/1   C.mm 1/1
        //  A exits (last user: exit_mmap)     idle (lazy)      0/1   CPU 0 left for init_mm (freed tables)
        //  C runs                             C                0/0   __mmdrop
        var (k, a) = NewKernel();
        MmStruct mm = a.Mm!;
        mm.MapAt(0, 1);
        k.Touch(a, 0);
        Assert.Equal((1, 1), (mm.MmUsers, mm.MmCount));

        Task t = k.Clone(a, 2, shareVm: true, thread: true, shareFiles: true);
        Step(k);
        Assert.Equal((2, 1), (mm.MmUsers, mm.MmCount));

        Task kt = k.CreateKernelThread("kworker/0:1");
        k.Schedule(0, kt);
        Step(k);
        Cpu cpu0 = k.Machine!.Cpu(0);
        Assert.Equal((2, 2, true), (mm.MmUsers, mm.MmCount, cpu0.IsLazy));
        Assert.Same(mm, kt.ActiveMm);
        Assert.Same(mm, cpu0.LoadedMm);

        k.Schedule(0, t);
        Step(k);
        Assert.Equal((2, 1, false), (mm.MmUsers, mm.MmCount, cpu0.IsLazy));
        Assert.Null(kt.ActiveMm);

        k.Exit(t);
        Step(k);
        Assert.Equal((1, 2), (mm.MmUsers, mm.MmCount));
        Assert.Same(cpu0.Idle, cpu0.Current);
        Assert.Same(mm, cpu0.Idle.ActiveMm);
        Assert.True(cpu0.IsLazy);

        Task c = k.Clone(a, 3, shareVm: false, thread: false, shareFiles: false);
        Assert.Equal(0, k.Machine.CpuOf(a));                  // Clone ran A on CPU 0
        Step(k);
        Assert.Equal((1, 1), (mm.MmUsers, mm.MmCount));
        Assert.Equal((1, 1), (c.Mm!.MmUsers, c.Mm.MmCount));

        k.Exit(a);
        Step(k);
        Assert.Equal((0, 1), (mm.MmUsers, mm.MmCount));
        Assert.Same(k.Machine.InitMm, cpu0.LoadedMm);       // exit_mmap's flush freed tables: leave_mm
        Assert.Same(mm, cpu0.Idle.ActiveMm);

        k.Run(c);
        Step(k);
        Assert.Equal((0, 0), (mm.MmUsers, mm.MmCount));
        Assert.Equal((1, 1), (c.Mm.MmUsers, c.Mm.MmCount));
    }

    [Fact]
    public void ThpFlushIsOneRangeFlushNotFiveHundredTwelvePages()
    {
        //  0x40000000: 2 MiB MADV_HUGEPAGE. A read maps the huge zero page (a 2M TLB entry); a
        //  write replaces it by a fresh huge folio and flushes [0x40000000, +2 MiB) with stride
        //  PMD_SHIFT: one stride ≤ 33, so one INVLPG, not the full flush 512 strides would need.
        var (k, t) = NewKernel();
        MmStruct mm = t.Mm!;
        const ulong Huge = 0x40000000;
        Assert.Equal((long)Huge, mm.Mmap(Huge, 2UL << 20, Rw, AnonFixed, null, 0));
        Step(k, mm.Madvise(Huge, 2UL << 20, Madv.HugePage));
        TranslateExplain read = k.Explain(t, Huge + 0x5000, AccessKind.Read);
        Step(k);
        Assert.Equal(["PGD", "PUD", "PMD"], read.WalkAfterFault.Select(s => s.Name));
        Assert.True(read.WalkAfterFault[2].Huge);
        TlbStats s = k.Machine!.Cpu(0).Stats;
        (long ranges, long invlpg, long full) = (s.RangeFlushes, s.SinglePageFlushes, s.FullFlushes);
        TranslateExplain write = k.Explain(t, Huge + 0x5000, AccessKind.Write);
        Step(k);
        Assert.Equal((FaultResult.Ok, WalkFault.Protection), (write.Result, write.Fault));
        Assert.Equal((1L, 1L, 0L), (s.RangeFlushes - ranges, s.SinglePageFlushes - invlpg, s.FullFlushes - full));
        Assert.True(write.StaleRewalk);                       // the read-only 2M entry refused the write
        Assert.Equal((2L, 6L), (write.Walks, write.MemoryRefs)); // the faulting walk and the retry, 3 refs each
    }

    [Fact]
    public void FreeingPageTablesIpisLazyCpus()
    {
        //  A ran on CPU 1, then kthread k there: CPU 1 is lazy on A.mm (cpumask {0, 1}).
        //  T (A's thread) on CPU 0 unmaps:
        //   munmap(1) of 0..1   tables stay (0 still mapped)  → no IPI, lazy CPU skipped
        //   munmap(0)           PTE..PUD tables freed         → IPI to CPU 1: it leaves for init_mm
        var (k, a) = NewKernel();
        MmStruct mm = a.Mm!;
        mm.MapAt(0, 2);
        k.Schedule(1, a);
        Task t = k.Clone(a, 2, shareVm: true, thread: true, shareFiles: true);
        k.Touch(a, 0);
        k.Touch(a, 1);
        Task kt = k.CreateKernelThread("kworker/1:0");
        k.Schedule(1, kt);
        Assert.Equal(0, k.Run(t));
        Step(k);
        Machine m = k.Machine!;
        Assert.True(m.Cpu(1).IsLazy);
        Assert.Equal(0b11UL, mm.Context.CpuMask);

        (long ipis, long lazy) = (m.IpisSent, m.ShootdownsSkippedLazy);
        Step(k, mm.UnmapAt(1, 1));
        Assert.Equal((0L, 1L), (m.IpisSent - ipis, m.ShootdownsSkippedLazy - lazy));
        Assert.Same(mm, m.Cpu(1).LoadedMm);

        long tables = mm.Paging!.Tables.TableFrames;
        Step(k, mm.UnmapAt(0, 1));
        Assert.Equal(3, tables - mm.Paging.Tables.TableFrames);   // PTE, PMD and PUD tables freed
        Assert.Equal((1L, 1L), (m.IpisSent - ipis, m.ShootdownsSkippedLazy - lazy));
        Assert.Same(m.InitMm, m.Cpu(1).LoadedMm);
        Assert.Same(mm, kt.ActiveMm);                      // the lazy reference stays until k switches away
        Assert.Equal(2, mm.MmCount);
    }

    /// <summary>A static ET_EXEC x86-64 image: one PT_LOAD r-x page at 0x400000.</summary>
    private static ExecRequest StaticExec()
    {
        var b = new byte[64 + 56];
        "\u007fELF"u8.CopyTo(b);
        (b[4], b[5], b[6]) = (2, 1, 1);
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(16), ElfImage.EtExec);
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(18), ElfImage.EmX8664);
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(24), 0x400000);
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(32), 64);
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(54), 56);
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(56), 1);
        Span<byte> ph = b.AsSpan(64);
        BinaryPrimitives.WriteUInt32LittleEndian(ph, 1);            // PT_LOAD
        BinaryPrimitives.WriteUInt32LittleEndian(ph[4..], 5);       // PF_R | PF_X
        BinaryPrimitives.WriteUInt64LittleEndian(ph[16..], 0x400000);
        BinaryPrimitives.WriteUInt64LittleEndian(ph[32..], 0x1000);
        BinaryPrimitives.WriteUInt64LittleEndian(ph[40..], 0x1000);
        BinaryPrimitives.WriteUInt64LittleEndian(ph[48..], 0x1000);
        ElfImage exe = ElfImage.Parse(b, out string? error) ?? throw new InvalidOperationException(error);
        return new ExecRequest
        {
            Exe = exe,
            ExeFile = OpenFile(NewInode("/bin/true", 1)),
            Filename = "/bin/true",
            Argv = ["true"u8.ToArray()],
            Envp = [],
        };
    }

    [Fact]
    public void ExecLoadsTheNewMmBeforeTheOldOneIsPut()
    {
        //  CPU 0:  A (old mm) ─ execve ─► A (new mm): activate_mm, then mmput(old) → freed
        //          kthread k borrows A's new mm (2 refs) ─ execve ─► k's own mm; the borrowed
        //          reference is dropped (A's mm back to 1/1)
        var (k, a) = NewKernel();
        MmStruct old = a.Mm!;
        old.MapAt(0, 1);
        k.Touch(a, 0);
        Step(k, k.Execve(a, StaticExec()));
        Cpu cpu0 = k.Machine!.Cpu(0);
        MmStruct mm = a.Mm!;
        Assert.NotSame(old, mm);
        Assert.Equal(((0, 0), (1, 1)), ((old.MmUsers, old.MmCount), (mm.MmUsers, mm.MmCount)));
        Assert.Same(mm, cpu0.LoadedMm);
        Assert.True(mm.Context.HasCpu(0));
        TranslateExplain text = k.Explain(a, 0x400000, AccessKind.Execute);
        Step(k);
        Assert.Equal((TlbHitLevel.Walk, FaultResult.Ok, 1L), (text.Hit, text.Result, text.PageFaults));
        Assert.Equal("true", a.Comm);

        Task kt = k.CreateKernelThread("kexec");
        k.Schedule(0, kt);
        Step(k);
        Assert.Equal(2, mm.MmCount);
        Step(k, k.Execve(kt, StaticExec()));
        Assert.Equal((1, 1), (mm.MmUsers, mm.MmCount));
        Assert.Same(kt.Mm, cpu0.LoadedMm);
        Assert.False(cpu0.IsLazy);
    }

    [Fact]
    public void MremapMovesThePageAndFlushesTheOldAddress()
    {
        //  before   0: [w]  (in the TLB)        4: none
        //  mremap(0 → 4, MREMAP_FIXED): move_page_tables() moves the PTE and flushes column 0
        //  after    0: SIGSEGV (no stale hit)   4: the same frame, found by a walk (no fault)
        var (k, t) = NewKernel();
        MmStruct mm = t.Mm!;
        mm.MapAt(0, 1);
        k.Touch(t, 0);
        int pfn = t.PfnAt(0);
        Assert.Equal(TlbHitLevel.L1, Explain(k, t, 0, AccessKind.Read).Hit);
        Assert.Equal((long)Col(4), mm.Mremap(Col(0), P, P, MremapFlags.MayMove | MremapFlags.Fixed, Col(4)));
        Step(k);
        Assert.Equal(FaultResult.MapErr, Explain(k, t, 0, AccessKind.Read).Result);
        TranslateExplain moved = Explain(k, t, 4, AccessKind.Write);
        Assert.Equal((TlbHitLevel.Walk, 0L, (ulong)pfn), (moved.Hit, moved.PageFaults, moved.PhysAddr >> 12));
    }

    [Fact]
    public void ExitGroupOfThreadsOnTwoCpusLeavesBothLazyUntilAUserTaskRuns()
    {
        //  T1 on CPU 0, T2 on CPU 1; exit_group: each CPU goes idle, lazy on the mm; the last
        //  mmput's exit_mmap frees the tables, so both CPUs switch to init_mm, but the two idle
        //  tasks still hold their lazy references: mm_users 0, mm_count 2.
        var (k, t1) = NewKernel();
        MmStruct mm = t1.Mm!;
        mm.MapAt(0, 1);
        Task t2 = k.Clone(t1, 2, shareVm: true, thread: true, shareFiles: true);
        k.Schedule(1, t2);
        k.Touch(t1, 0);
        k.Touch(t2, 0);
        Machine m = k.Machine!;
        k.ExitGroup(t1);
        Step(k);
        Assert.Equal((0, 2), (mm.MmUsers, mm.MmCount));
        Assert.Equal((m.Cpu(0).Idle, m.Cpu(1).Idle), (m.Cpu(0).Current, m.Cpu(1).Current));
        Assert.Equal((m.InitMm, m.InitMm), (m.Cpu(0).LoadedMm, m.Cpu(1).LoadedMm));
        Task b = k.CreateInitTask(3);
        k.Schedule(0, b);
        k.Schedule(1, k.CreateKernelThread("k"));
        Step(k);
        Assert.Equal(1, mm.MmCount);                        // CPU 1's reference passed to k
    }

    [Theory]
    [InlineData(PagingMode.FiveLevel, "PGD P4D PUD PMD PTE", 5)]
    [InlineData(PagingMode.FourLevel, "PGD PUD PMD PTE", 4)]
    [InlineData(PagingMode.Pae, "PGD PMD PTE", 2)]
    [InlineData(PagingMode.TwoLevel, "PGD PTE", 2)]
    public void ExplainNamesTheLevelsOfEachPagingMode(PagingMode mode, string levels, long refs)
    {
        //  the retry's walk after a first write, per mode: LA57 reads 5 entries, 4-level 4,
        //  PAE 2 (its 4 PDPT entries were loaded with CR3), i386 2-level 2; NX only outside
        //  the i386 2-level format
        var (k, t) = PagingKit.NewMachine(mode: mode);
        t.Mm!.MapAt(0, 1);
        TranslateExplain e = Explain(k, t, 0, AccessKind.Write);
        Assert.Equal(levels, string.Join(' ', e.WalkAfterFault.Select(s => s.Name)));
        Assert.Equal(1 + refs, e.MemoryRefs);               // + 1: the faulting walk's first empty entry
        Assert.Equal(FaultResult.Ok, e.Result);
        Assert.Equal((ulong)t.PfnAt(0), e.WalkAfterFault[^1].Pfn);
        Assert.Equal(mode is PagingMode.FourLevel or PagingMode.FiveLevel or PagingMode.Pae, e.WalkAfterFault[^1].NoExecute);
    }
}
