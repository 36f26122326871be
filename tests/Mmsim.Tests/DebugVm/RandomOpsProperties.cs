using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Mmsim.DebugVm;

namespace Mmsim.Tests.DebugVm;

/// <summary>
/// Property tests (FsCheck): any sequence of operations (<see cref="RandomOps"/>: mmap of every
/// kind, munmap, mprotect, mremap, brk, madvise, mlock, mseal, fork, threads, exit, touches) keeps
/// the whole machine valid after every operation, and after all processes exit every frame is
/// free but the kernel's own. A failing sequence is shrunk to a short one by dropping operations.
/// The fixed replay seed keeps CI repeatable; `mmsim validate-fuzz` runs the long version.
/// </summary>
public sealed class RandomOpsProperties
{
    /// <summary>Sequences of 100-200 operations, each drawn as <see cref="RandomOps.Next"/> draws them.</summary>
    public static class Arbitraries
    {
        public static Arbitrary<VmOp[]> Ops()
        {
            Gen<VmOp[]> gen =
                from seed in Gen.Choose(0, int.MaxValue)
                from n in Gen.Choose(100, 200)
                select Draw(seed, n);
            return Arb.From(gen, Shrink);
        }

        private static VmOp[] Draw(int seed, int n)
        {
            var rng = new Random(seed);
            var ops = new VmOp[n];
            for (int i = 0; i < n; i++)
            {
                ops[i] = RandomOps.Next(rng);
            }
            return ops;
        }

        /// <summary>Shorter sequences: halves first, then one chunk of each size dropped.</summary>
        private static IEnumerable<VmOp[]> Shrink(VmOp[] ops)
        {
            for (int chunk = ops.Length / 2; chunk >= 1; chunk /= 2)
            {
                for (int at = 0; at + chunk <= ops.Length; at += chunk)
                {
                    yield return [.. ops[..at], .. ops[(at + chunk)..]];
                }
            }
        }
    }

    [Property(MaxTest = 20, Replay = "(20261130,17)", Arbitrary = [typeof(Arbitraries)])]
    public void EveryOperationLeavesTheMachineValid(VmOp[] ops)
    {
        var machine = new RandomOps();
        for (int i = 0; i < ops.Length; i++)
        {
            machine.Apply(ops[i]);
            List<VmViolation> found = machine.Validate();
            Assert.True(found.Count == 0, $"after operation {i} ({ops[i]}):\n{string.Join('\n', found)}");
        }
        List<VmViolation> atExit = machine.ExitAll();
        Assert.True(atExit.Count == 0, $"after every process exited:\n{string.Join('\n', atExit)}");
    }

    /// <summary>The property can fail: a machine with a leaked frame does not pass the after-exit check.</summary>
    [Fact]
    public void ALeakedFrameFailsTheAfterExitCheck()
    {
        var machine = new RandomOps();
        machine.Apply(new VmOp(VmOpKind.MmapAnon, 0, 0, 4, 2));
        machine.Apply(new VmOp(VmOpKind.Write, 0, 0, 4, 0));
        Assert.Empty(machine.Validate());
        machine.Kernel.Paging!.Phys.AllocPage();
        Assert.Contains(machine.ExitAll(), v => v.Invariant == VmInvariant.Leak);
    }
}
