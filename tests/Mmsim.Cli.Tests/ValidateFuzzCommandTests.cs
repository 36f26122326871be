namespace Mmsim.Cli.Tests;

/// <summary><c>mmsim validate-fuzz</c>: a short fixed-seed run, and its bad options.</summary>
public sealed class ValidateFuzzCommandTests
{
    [Fact]
    public void AShortRunFindsNoViolation()
    {
        (int status, string output, _) = BadInputTests.Run("validate-fuzz", "--ops", "600", "--seed", "7", "--restart", "250");
        Assert.Equal(0, status);
        Assert.Contains("validate-fuzz: seed 7: 600 operations", output, StringComparison.Ordinal);
        Assert.Contains("on 3 machines, validated after each: 0 violations", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--ops", "0")]
    [InlineData("--ops", "many")]
    [InlineData("--seed", "")]
    [InlineData("--restart", "-1")]
    public void ABadNumberIsExit2(string option, string value)
    {
        (int status, _, string err) = BadInputTests.Run("validate-fuzz", option, value);
        Assert.Equal(2, status);
        Assert.Contains($"validate-fuzz: {option} '{value}'", err, StringComparison.Ordinal);
        Assert.Single(err.Trim().Split('\n'));
    }

    [Theory]
    [InlineData("validate-fuzz", "--help")]
    [InlineData("help", "validate-fuzz")]
    public void HelpListsTheOptions(params string[] args)
    {
        (int status, string output, _) = BadInputTests.Run(args);
        Assert.Equal(0, status);
        Assert.StartsWith("Usage: mmsim validate-fuzz", output, StringComparison.Ordinal);
        Assert.Contains("--restart K", output, StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnknownOptionIsExit2()
    {
        (int status, _, string err) = BadInputTests.Run("validate-fuzz", "--bogus");
        Assert.Equal(2, status);
        Assert.Contains("unknown option '--bogus'", err, StringComparison.Ordinal);
    }
}
