namespace Mmsim.Scenario.Tests;

/// <summary>Expressions: numbers with suffixes, variables, precedence, and the errors they report.</summary>
public sealed class ExprTests
{
    private static long? Vars(string name) => name switch { "a" => 0x7ffff7ffa000, "heap" => 0x555555559000, _ => null };

    [Theory]
    [InlineData("4096", 4096)]
    [InlineData("0x1000", 4096)]
    [InlineData("8K", 8192)]
    [InlineData("8KiB", 8192)]
    [InlineData("2M", 2097152)]
    [InlineData("1G", 1073741824)]
    [InlineData("NULL", 0)]
    [InlineData("$a+4096", 0x7ffff7ffb000)]
    [InlineData("$a + 2*4096", 0x7ffff7ffc000)]
    [InlineData("($a + 4096) * 0 + 3", 3)]
    [InlineData("-1", -1)]
    [InlineData("$heap + 132K - 4K", 0x555555579000)]
    [InlineData("10 / 3", 3)]
    public void Evaluates(string text, long expected)
    {
        Assert.True(Expr.TryEvaluate(text, Vars, out long v, out string? error), error);
        Assert.Equal(expected, v);
    }

    [Theory]
    [InlineData("$nope", "undefined variable $nope")]
    [InlineData("4096 +", "ends too soon")]
    [InlineData("0xZZ", "bad number")]
    [InlineData("12Q", "bad number")]
    [InlineData("(1 + 2", "missing ')'")]
    [InlineData("1 / 0", "division by zero")]
    [InlineData("", "expected an expression")]
    [InlineData("PROT_READ", "unexpected 'PROT_READ'")]
    public void ReportsWhatIsWrong(string text, string fragment)
    {
        Assert.False(Expr.TryEvaluate(text, Vars, out _, out string? error));
        Assert.Contains(fragment, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("$a", true)]
    [InlineData("5*4096", true)]
    [InlineData("8K", true)]
    [InlineData("4096", false)]      // strace's own number: left alone
    [InlineData("0644", false)]      // octal in strace: never read as decimal
    [InlineData("-1", false)]
    [InlineData("PROT_READ|PROT_WRITE", false)]
    [InlineData("\"a$b\"", false)]
    [InlineData("[3, 4]", false)]
    public void OnlyExpressionsAreSubstitutedInCalls(string arg, bool expression)
    {
        Assert.Equal(expression, Expr.LooksLikeExpression(arg));
    }

    [Fact]
    public void CallArgumentsAreSubstitutedAndFlagsLeftAlone()
    {
        string call = ScenarioRun.SubstituteExpressions(
            "mmap($a + 4096, 2*4K, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS, -1, 0) = $a+4096", Vars, out string? error);
        Assert.Null(error);
        Assert.Equal("mmap(0x7ffff7ffb000, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS, -1, 0) = 0x7ffff7ffb000", call);
        Assert.Equal("clone(child_stack=0x7ffff7ffb000, flags=CLONE_VM)",
            ScenarioRun.SubstituteExpressions("clone(child_stack=$a+4K, flags=CLONE_VM)", Vars, out _));
        Assert.Equal("openat(AT_FDCWD, \"/tmp/$a\", O_RDONLY)", ScenarioRun.SubstituteExpressions("openat(AT_FDCWD, \"/tmp/$a\", O_RDONLY)", Vars, out _));
    }
}
