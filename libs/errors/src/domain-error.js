"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.malformed = exports.unauthenticated = exports.forbidden = exports.conflict = exports.invalid = exports.notFound = exports.DomainError = void 0;
class DomainError extends Error {
    kind;
    code;
    details;
    constructor(kind, code, message, details) {
        super(message);
        this.kind = kind;
        this.code = code;
        this.details = details;
        this.name = 'DomainError';
    }
}
exports.DomainError = DomainError;
const notFound = (code, message, details) => new DomainError('not_found', code, message, details);
exports.notFound = notFound;
const invalid = (code, message, details) => new DomainError('invalid', code, message, details);
exports.invalid = invalid;
const conflict = (code, message, details) => new DomainError('conflict', code, message, details);
exports.conflict = conflict;
const forbidden = (code, message, details) => new DomainError('forbidden', code, message, details);
exports.forbidden = forbidden;
const unauthenticated = (code, message) => new DomainError('unauthenticated', code, message);
exports.unauthenticated = unauthenticated;
const malformed = (code, message, details) => new DomainError('malformed', code, message, details);
exports.malformed = malformed;
