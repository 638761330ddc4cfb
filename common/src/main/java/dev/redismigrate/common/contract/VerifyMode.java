package dev.redismigrate.common.contract;

import com.fasterxml.jackson.annotation.JsonProperty;

/** What a verification compares: every key ({@code full}) or N random keys ({@code sample}). */
public enum VerifyMode {
    @JsonProperty("full")
    FULL,
    @JsonProperty("sample")
    SAMPLE;

    /** The name the API and the records use. */
    public String wire() {
        return this == FULL ? "full" : "sample";
    }
}
