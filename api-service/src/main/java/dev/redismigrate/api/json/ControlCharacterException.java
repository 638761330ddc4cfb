package dev.redismigrate.api.json;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;

/** A string of a request body holds a control character (U+0000 to U+001F, U+007F to U+009F). */
public class ControlCharacterException extends MismatchedInputException {

    public ControlCharacterException(JsonParser p) {
        // no value in the message: it may be a password
        super(p, "control character in a string", String.class);
    }
}
