package io.github.introsvg.loop;

/** The two hats the one model wears, and the turn that refines. */
public enum Role { GENERATE, CRITIQUE, REFINE }
