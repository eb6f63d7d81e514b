// One error taxonomy for the whole project (issue 17 finding 5): base classes and one classifier.
export {
  PermanentError,
  InputError,
  NotFoundError,
  ConflictError,
  ConfigurationError,
  TransientError,
} from './error-kinds';
export { classifyError, type ErrorClass, type ErrorKind } from './classify-error';
