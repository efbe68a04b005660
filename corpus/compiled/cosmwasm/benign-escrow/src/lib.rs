//! Milestone escrow between a client and a contractor, with an arbiter. Uses the privileged and
//! external-call features carefully: admin-gated config, version-checked migrate, a reply that
//! handles failures, paginated listing, checked math.
use cosmwasm_schema::{cw_serde, QueryResponses};
#[cfg(not(feature = "library"))]
use cosmwasm_std::entry_point;
use cosmwasm_std::{
    coins, ensure, ensure_eq, to_json_binary, Addr, BankMsg, Binary, Deps, DepsMut, Env, MessageInfo, Order, Reply,
    Response, StdError, StdResult, SubMsg, SubMsgResult, Uint128,
};
use cw_storage_plus::{Bound, Item, Map};
use thiserror::Error;

const CONTRACT_NAME: &str = "crates.io:milestone-escrow";
const CONTRACT_VERSION: &str = env!("CARGO_PKG_VERSION");
const MAX_LIMIT: u32 = 30;
const RELEASE_REPLY: u64 = 1;

#[derive(Error, Debug, PartialEq)]
pub enum ContractError {
    #[error("{0}")]
    Std(#[from] StdError),
    #[error("Unauthorized")]
    Unauthorized {},
    #[error("Escrow not found")]
    NotFound {},
    #[error("Already released")]
    AlreadyReleased {},
    #[error("{0}")]
    Payment(String),
}

#[cw_serde]
pub struct Config {
    pub arbiter: Addr,
    pub denom: String,
}

#[cw_serde]
pub struct Escrow {
    pub client: Addr,
    pub contractor: Addr,
    pub amount: Uint128,
    pub released: bool,
}

pub const CONFIG: Item<Config> = Item::new("config");
pub const ESCROWS: Map<u64, Escrow> = Map::new("escrows");
pub const NEXT_ID: Item<u64> = Item::new("next_id");
pub const RELEASING: Item<u64> = Item::new("releasing");

#[cw_serde]
pub struct InstantiateMsg {
    pub arbiter: String,
    pub denom: String,
}

#[cw_serde]
pub enum ExecuteMsg {
    Create { contractor: String },
    Release { id: u64 },
    UpdateArbiter { arbiter: String },
}

#[cw_serde]
pub struct MigrateMsg {}

#[cw_serde]
#[derive(QueryResponses)]
pub enum QueryMsg {
    #[returns(Vec<(u64, Escrow)>)]
    List { start_after: Option<u64>, limit: Option<u32> },
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn instantiate(deps: DepsMut, _env: Env, _info: MessageInfo, msg: InstantiateMsg) -> Result<Response, ContractError> {
    cw2::set_contract_version(deps.storage, CONTRACT_NAME, CONTRACT_VERSION)?;
    CONFIG.save(deps.storage, &Config { arbiter: deps.api.addr_validate(&msg.arbiter)?, denom: msg.denom })?;
    NEXT_ID.save(deps.storage, &0)?;
    Ok(Response::new())
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn execute(deps: DepsMut, _env: Env, info: MessageInfo, msg: ExecuteMsg) -> Result<Response, ContractError> {
    let config = CONFIG.load(deps.storage)?;
    match msg {
        ExecuteMsg::Create { contractor } => {
            let amount = cw_utils::must_pay(&info, &config.denom).map_err(|e| ContractError::Payment(e.to_string()))?;
            let id = NEXT_ID.load(deps.storage)?;
            NEXT_ID.save(deps.storage, &(id + 1))?;
            let escrow = Escrow {
                client: info.sender,
                contractor: deps.api.addr_validate(&contractor)?,
                amount,
                released: false,
            };
            ESCROWS.save(deps.storage, id, &escrow)?;
            Ok(Response::new().add_attribute("action", "create").add_attribute("id", id.to_string()))
        }
        ExecuteMsg::Release { id } => {
            let mut escrow = ESCROWS.may_load(deps.storage, id)?.ok_or(ContractError::NotFound {})?;
            ensure!(info.sender == escrow.client || info.sender == config.arbiter, ContractError::Unauthorized {});
            ensure!(!escrow.released, ContractError::AlreadyReleased {});
            escrow.released = true;
            ESCROWS.save(deps.storage, id, &escrow)?;
            RELEASING.save(deps.storage, &id)?;
            let send = BankMsg::Send { to_address: escrow.contractor.to_string(), amount: coins(escrow.amount.u128(), &config.denom) };
            Ok(Response::new()
                .add_submessage(SubMsg::reply_on_error(send, RELEASE_REPLY))
                .add_attribute("action", "release"))
        }
        ExecuteMsg::UpdateArbiter { arbiter } => {
            ensure_eq!(info.sender, config.arbiter, ContractError::Unauthorized {});
            let arbiter = deps.api.addr_validate(&arbiter)?;
            CONFIG.save(deps.storage, &Config { arbiter, ..config })?;
            Ok(Response::new().add_attribute("action", "update_arbiter"))
        }
    }
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn reply(deps: DepsMut, _env: Env, msg: Reply) -> Result<Response, ContractError> {
    ensure_eq!(msg.id, RELEASE_REPLY, StdError::generic_err("unknown reply id"));
    let id = RELEASING.load(deps.storage)?;
    RELEASING.remove(deps.storage);
    match msg.result {
        SubMsgResult::Err(err) => {
            // Payment failed: the escrow stays open so it can be released again.
            ESCROWS.update(deps.storage, id, |e| -> StdResult<_> {
                let mut e = e.ok_or_else(|| StdError::not_found("escrow"))?;
                e.released = false;
                Ok(e)
            })?;
            Ok(Response::new().add_attribute("release_failed", err))
        }
        SubMsgResult::Ok(_) => Ok(Response::new()),
    }
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn migrate(deps: DepsMut, _env: Env, _msg: MigrateMsg) -> Result<Response, ContractError> {
    let previous = cw2::ensure_from_older_version(deps.storage, CONTRACT_NAME, CONTRACT_VERSION)?;
    Ok(Response::new().add_attribute("migrated_from", previous.to_string()))
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn query(deps: Deps, _env: Env, msg: QueryMsg) -> StdResult<Binary> {
    match msg {
        QueryMsg::List { start_after, limit } => {
            let limit = limit.unwrap_or(10).min(MAX_LIMIT) as usize;
            let items: StdResult<Vec<(u64, Escrow)>> = ESCROWS
                .range(deps.storage, start_after.map(Bound::exclusive), None, Order::Ascending)
                .take(limit)
                .collect();
            to_json_binary(&items?)
        }
    }
}
