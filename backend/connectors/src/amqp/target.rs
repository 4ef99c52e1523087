//! A panel target on an AMQP source: where to consume from, and how to read the messages.

use serde_json::Value;

use crate::decode::{PayloadDecoder, TopicPattern, WildcardStyle};
use crate::error::{Result, SourceError};
use crate::settings::Target;

/// What is consumed upstream; subscriptions with equal filters share one consumer.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum AmqpFilter {
    /// An existing (or declared, non-durable) queue, consumed directly.
    Queue(String),
    /// An exchange, through a server-named exclusive auto-delete queue bound with `binding_key`.
    Exchange {
        /// The exchange (declared as a non-durable topic exchange when missing).
        exchange: String,
        /// The AMQP binding key (`*` one word, `#` any number of words).
        binding_key: String,
    },
}

impl AmqpFilter {
    /// For messages: `queue X` or `exchange X key K`.
    pub(crate) fn describe(&self) -> String {
        match self {
            AmqpFilter::Queue(q) => format!("queue {q:?}"),
            AmqpFilter::Exchange {
                exchange,
                binding_key,
            } => format!("exchange {exchange:?} with routing key {binding_key:?}"),
        }
    }
}

/// A parsed target: the upstream filter, the routing-key pattern giving labels, the decoder.
#[derive(Debug)]
pub(crate) struct AmqpTarget {
    /// What to consume.
    pub(crate) filter: AmqpFilter,
    /// Labels from the routing key (`plant.*boiler.temp`); literal for a queue.
    pub(crate) pattern: TopicPattern,
    /// How payloads decode.
    pub(crate) decoder: PayloadDecoder,
}

impl AmqpTarget {
    /// Reads `queue`, or `exchange` + `routingKey` (default `#`: everything), plus the
    /// decoding fields.
    pub(crate) fn parse(target: &Value) -> Result<Self> {
        let t = Target(target);
        let queue = t.str("queue")?.map(str::trim).filter(|q| !q.is_empty());
        let exchange = t.str("exchange")?.map(str::trim).filter(|e| !e.is_empty());
        let key = t
            .str("routingKey")?
            .map(str::trim)
            .filter(|k| !k.is_empty());
        match (queue, exchange) {
            (Some(_), Some(_)) => Err(SourceError::InvalidQuery(
                "set either `queue` or `exchange` (+ `routingKey`), not both".into(),
            )),
            (None, None) => Err(SourceError::InvalidQuery(
                "an AMQP target needs `queue`, or `exchange` and `routingKey`".into(),
            )),
            (Some(queue), None) => Ok(AmqpTarget {
                filter: AmqpFilter::Queue(queue.to_owned()),
                pattern: literal(queue)?,
                decoder: PayloadDecoder::from_target(target, queue)?,
            }),
            (None, Some(exchange)) => {
                let key = key.unwrap_or("#");
                // AMQP's `#` (the rest) is NATS's `>`: reuse the NATS-style pattern for labels.
                let nats_style: Vec<String> = key
                    .split('.')
                    .map(|w| match w.strip_prefix('#') {
                        Some(name) => format!(">{name}"),
                        None => w.to_owned(),
                    })
                    .collect();
                let pattern = TopicPattern::parse(&nats_style.join("."), WildcardStyle::Nats)
                    .map_err(|e| SourceError::InvalidQuery(format!("routingKey: {e}")))?;
                let binding_key = pattern.filter().replace('>', "#");
                Ok(AmqpTarget {
                    filter: AmqpFilter::Exchange {
                        exchange: exchange.to_owned(),
                        binding_key,
                    },
                    pattern,
                    decoder: PayloadDecoder::from_target(target, exchange)?,
                })
            }
        }
    }
}

fn literal(text: &str) -> Result<TopicPattern> {
    TopicPattern::parse(text, WildcardStyle::Literal).map_err(SourceError::InvalidQuery)
}
