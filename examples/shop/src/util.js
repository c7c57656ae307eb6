'use strict';

/**
 * @param {string} text
 * @param {number} width
 */
function padRight(text, width) {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

exports.padRight = padRight;
